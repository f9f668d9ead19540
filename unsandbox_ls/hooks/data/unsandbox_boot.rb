# unsandbox-ls start-up hook for Ruby, loaded before the program through RUBYOPT=-r.
# See sitecustomize.py (the Python hook) for what it does; this is the same in Ruby, and
# `exec` replaces the process, so none of this file's frames reach the program's backtraces.
module UnsandboxLsBoot
  module_function

  def word(token)
    return nil if token == '~'
    return '' if token == '-'
    [token].pack('H*').force_encoding('UTF-8')
  end

  def frame(nonce, lines)
    body = lines.first(12).map { |l| l.tr("\n", ' ')[0, 300] }.join("\n")
    $stderr.syswrite("--- unsandbox-ls boot #{nonce} ---\n#{body}\n--- unsandbox-ls end #{nonce} ---\n")
  rescue StandardError
    nil
  end

  def place(source, target)
    if File.exist?(target)
      return if File.identical?(source, target)
      File.delete(target)
    end
    require 'fileutils'
    FileUtils.mkdir_p(File.dirname(target))
    begin
      File.link(source, target)
    rescue SystemCallError
      FileUtils.cp(source, target)
    end
  end

  def run(text)
    tokens = text.split(' ')
    return unless tokens[0] == '1'
    nonce = tokens[1]
    report = ['hook ruby']
    begin
      code = word(tokens[2])
      stdin = word(tokens[3])
      at = 4
      n = tokens[at].to_i
      args = tokens[at + 1, n].map { |t| word(t) }
      at += 1 + n
      n = tokens[at].to_i
      files = (0...n).map { |i| [word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])] }
      at += 1 + 2 * n
      n = tokens[at].to_i
      restore = (0...n).map { |i| [word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])] }
      script = File.expand_path($0)
      unless File.file?(script)
        report << 'skipped no script file'
        return
      end
      candidates = [__dir__, '/tmp/input', Dir.pwd, '/root/input', '/tmp', File.dirname(script)]
      found = candidates.find { |d| files.all? { |w, _| File.file?(File.join(d, w)) } }
      report.push("input #{found || 'none'}", "code #{script}", "cwd #{Dir.pwd}")
      unless found
        report << 'skipped the input files were not found'
        return
      end
      tree = found
      unless File.writable?(found)
        require 'tmpdir'
        tree = Dir.mktmpdir('unsandbox-ls-')
      end
      files.each do |wire, local|
        place(File.join(found, wire), File.join(tree, local)) if !local.empty? && (tree != found || wire != local)
      end
      place(script, File.join(tree, code))
      if tree == found # the folder holds what the local one does: no flat names, no hook
        files.each do |wire, local|
          begin
            File.delete(File.join(found, wire)) if wire != local
          rescue SystemCallError
            nil
          end
        end
      end
      if tree != '/tmp/input' && !File.exist?('/tmp/input')
        begin
          File.symlink(tree, '/tmp/input')
        rescue SystemCallError
          nil
        end
      end
      env = { 'UNSANDBOX_LS_BOOT' => nil }
      restore.each { |name, value| env[name] = value }
      UnsandboxLsInPlace.carry(env) # in-place results: the re-run program loads this file too
      input = stdin ? File.join(tree, stdin) : File::NULL
      report.push("tree #{tree}", "exec #{File.join(tree, code)}")
      frame(nonce, report)
      report = []
      require 'rbconfig'
      $stdout.flush
      $stderr.flush
      exec(env, [RbConfig.ruby, RbConfig.ruby], code, *args, chdir: tree, in: input)
    rescue StandardError => e
      report << "error #{e.class}: #{e.message}"
    ensure
      frame(nonce, report) unless report.empty?
    end
  end
end

# --- in-place results (begin) -----------------------------------------------------------------
# With UNSANDBOX_LS_IN_PLACE=NONCE, the program's run records, without touching its code, which
# line of the user's files wrote each piece of $stdout/$stderr output (their `write` wrapped;
# the nearest caller location under the program's folder) and, for an uncaught exception, the
# local variables where it was raised (TracePoint(:raise)); the calling frames come with their
# lines only. At exit one block on stderr, as the Python hook writes it (see sitecustomize.py).
module UnsandboxLsInPlace
  LINES_MAX = 300
  TEXT_MAX = 2000
  SHORT_MAX = 60
  LAST_MAX = 200
  VALUE_MAX = 200
  NAMES_MAX = 30
  FRAMES_MAX = 8
  BLOCK_MAX = 60_000
  # this file's text, read when it loads: the hook removes its own files from the input folder
  # before the program runs, and the program's process loads a private copy
  OWN = (File.binread(__FILE__) rescue nil) if ENV['UNSANDBOX_LS_IN_PLACE'] && ENV['UNSANDBOX_LS_BOOT']

  module_function

  def carry(env)
    return unless ENV['UNSANDBOX_LS_IN_PLACE']
    return env['UNSANDBOX_LS_IN_PLACE'] = nil if OWN.nil?

    require 'tmpdir'
    copy = File.join(Dir.mktmpdir('unsandbox-ls-in-place-'), 'unsandbox_in_place.rb')
    File.binwrite(copy, OWN)
    user = env.key?('RUBYOPT') ? env['RUBYOPT'] : ENV['RUBYOPT']
    env['UNSANDBOX_LS_IN_PLACE_RUBYOPT'] = user.nil? ? '~' : user
    env['RUBYOPT'] = [user, "-r#{copy}"].compact.join(' ')
  end

  def bounded(text, limit)
    text.length <= limit ? text : "#{text[0, limit - 1]}\u2026"
  end

  def start
    nonce = ENV.delete('UNSANDBOX_LS_IN_PLACE').to_s
    return unless nonce.match?(/\A[0-9a-zA-Z]+\z/)

    user = ENV.delete('UNSANDBOX_LS_IN_PLACE_RUBYOPT')
    ENV['RUBYOPT'] = user == '~' ? nil : user unless user.nil?
    @nonce = nonce
    @root = "#{Dir.pwd.chomp('/')}/"
    @own = File.expand_path(__FILE__)
    @lines = {}.compare_by_identity # path (one string for each) -> line -> entry
    @entries = [] # [path, line, count, text, partial, first, last], in the order first written
    @paths = {}.compare_by_identity # a location's absolute_path -> its path under the folder, or false
    @names = {} # the paths under the folder, one string each
    @raised = nil
    @dropped = 0
    recorder = Module.new do
      def write(*parts)
        UnsandboxLsInPlace.record(parts)
        super
      end
    end
    $stdout.singleton_class.prepend(recorder)
    $stderr.singleton_class.prepend(recorder)
    TracePoint.new(:raise) do |tp|
      UnsandboxLsInPlace.raised(tp)
    end.enable
    at_exit { UnsandboxLsInPlace.emit }
  end

  def user_path(location)
    path = location.absolute_path
    return nil if path.nil?

    found = @paths[path]
    if found.nil?
      @paths.clear if @paths.size >= 1000 # eval'd code may give a new string each time
      user = path != @own && path.start_with?(@root)
      found = @paths[path] = user ? (@names[path[@root.length..]] ||= path[@root.length..].freeze) : false
    end
    found || nil
  end

  def record(parts)
    # the common write is one line: puts gives (text, "\n"), print and write (text ending "\n")
    if parts.length == 2 && parts[1] == "\n" && (head = parts[0]).is_a?(String) && !head.include?("\n")
      text = nil
    else
      text = parts.length == 1 ? parts[0].to_s : parts.join
      return if text.empty?

      last_end = text.rindex("\n")
      head = text[0, last_end] if last_end == text.length - 1 && text.index("\n") == last_end
    end
    entry = entry_here
    return if entry.nil?

    kept = entry[3]
    if kept.length < TEXT_MAX
      text.nil? ? kept << head << "\n" : kept << text
      kept[TEXT_MAX..] = '' if kept.length > TEXT_MAX
    end
    if head # one line ended: the partial one, if any, and this write's
      line = entry[4].empty? ? head : entry[4] + head
      entry[4] = +'' unless entry[4].empty?
      entry[2] += 1
      entry[5] ||= line[0, SHORT_MAX]
      entry[6] = line[0, LAST_MAX]
    elsif last_end.nil? # the line goes on
      partial = entry[4] << text
      entry[4] = partial[-LAST_MAX..] if partial.length > LAST_MAX
    else # several lines, or a line and the start of the next
      count = text.count("\n")
      entry[2] += count
      entry[5] ||= (entry[4] + text[0, text.index("\n")])[0, SHORT_MAX]
      entry[6] = if count == 1
                   (entry[4] + text[0, last_end])[0, LAST_MAX]
                 else
                   start = text.rindex("\n", last_end - 1) + 1
                   text[start, [last_end - start, LAST_MAX].min]
                 end
      rest = text.length - last_end - 1
      entry[4] = rest.zero? ? +'' : text[last_end + 1 + [rest - LAST_MAX, 0].max..]
    end
  rescue StandardError
    nil
  end

  # the entry of the line that is writing (nil: none of the user's, or too many lines). The
  # writer is near: the frame above `write` is the user's for puts, print, p, <<, write (a method
  # in C is located at its caller's line); the whole stack is looked through only when it is not.
  def entry_here
    location = caller_locations(3, 1)[0]
    path = location && user_path(location)
    if path.nil?
      location = (caller_locations(4) || []).find { |l| path = user_path(l) }
      return nil if location.nil?
    end
    line = location.lineno
    at_path = @lines[path] ||= {}
    entry = at_path[line]
    return entry unless entry.nil?

    if @entries.size >= LINES_MAX
      @dropped += 1
      return nil
    end
    entry = at_path[line] = [path, line, 0, +'', +'', nil, nil]
    @entries << entry
    entry
  end

  def raised(tp)
    return if tp.path.nil? || !File.expand_path(tp.path).start_with?(@root)

    values = []
    binding = tp.binding
    binding.local_variables.first(NAMES_MAX).each do |name|
      shown = begin
        binding.local_variable_get(name).inspect
      rescue StandardError => e
        "<inspect failed: #{e.class}>"
      end
      values << [name.to_s, bounded(shown.to_s, VALUE_MAX)]
    end
    @raised = [tp.raised_exception, values]
  rescue StandardError
    nil
  end

  def frames(error)
    locations = (error.backtrace_locations || []).select { |l| user_path(l) }
    # a method in C (Hash#fetch) is located at its caller's line: keep the caller's frame
    locations = locations.each_with_index.reject do |l, i|
      (n = locations[i + 1]) && n.absolute_path == l.absolute_path && n.lineno == l.lineno
    end.map(&:first)
    return [] if locations.empty?

    innermost = locations.first
    values = @raised && @raised[0].equal?(error) ? @raised[1] : []
    locations.first(FRAMES_MAX).reverse.map do |l|
      {
        'path' => user_path(l), 'line' => l.lineno, 'function' => l.label.to_s,
        'values' => l.equal?(innermost) ? values : []
      }
    end
  end

  def emit
    $stdout.flush
    $stderr.flush
    error = $!
    failed = error && !error.is_a?(SystemExit)
    lines = @entries.map do |path, line, count, text, partial, first, last|
      unless partial.empty?
        count += 1
        first ||= partial[0, SHORT_MAX]
        last = partial[0, LAST_MAX]
      end
      { 'path' => path, 'line' => line, 'count' => count, 'first' => first || '',
        'last' => last || '', 'text' => text }
    end
    require 'json'
    body = {
      'v' => 1, 'lines' => lines, 'frames' => failed ? frames(error) : [],
      'error' => failed ? bounded("#{error.class}: #{error.message}", VALUE_MAX) : nil
    }
    body['dropped'] = @dropped if @dropped.positive?
    text = JSON.generate(body, ascii_only: true)
    while text.length > BLOCK_MAX && !body['lines'].empty?
      body['lines'] = body['lines'].first(body['lines'].size / 2)
      body['truncated'] = true
      text = JSON.generate(body, ascii_only: true)
    end
    return if text.length > BLOCK_MAX

    $stderr.syswrite("--- unsandbox-ls in-place #{@nonce} ---\n#{text}\n--- unsandbox-ls end #{@nonce} ---\n")
  rescue StandardError
    nil
  end
end
# --- in-place results (end) -------------------------------------------------------------------

UnsandboxLsBoot.run(ENV['UNSANDBOX_LS_BOOT']) if ENV['UNSANDBOX_LS_BOOT']
UnsandboxLsInPlace.start if ENV['UNSANDBOX_LS_IN_PLACE'] # in-place results: the program's run
