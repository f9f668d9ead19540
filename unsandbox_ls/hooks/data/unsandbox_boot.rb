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
    @lines = {}
    @paths = {}
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
    return found || nil unless found.nil?

    user = path != @own && path.start_with?(@root)
    @paths[path] = user ? path[@root.length..] : false
    @paths[path] || nil
  end

  def record(parts)
    text = parts.length == 1 ? parts[0].to_s : parts.join
    return if text.empty?

    # the writer is near (puts, print, p call write): a short look first, the whole stack after
    path = nil
    location = caller_locations(2, 4).find { |l| path = user_path(l) } ||
               caller_locations(6).find { |l| path = user_path(l) }
    return if location.nil?

    key = [path, location.lineno]
    entry = @lines[key]
    if entry.nil?
      if @lines.size >= LINES_MAX
        @dropped += 1
        return
      end
      entry = @lines[key] = { count: 0, text: +'', partial: +'', first: nil, last: nil }
    end
    entry[:text] = (entry[:text] + text)[0, TEXT_MAX] if entry[:text].length < TEXT_MAX
    partial = entry[:partial] + text
    if partial.include?("\n")
      done = partial.split("\n", -1)
      partial = done.pop
      entry[:count] += done.size
      entry[:first] ||= done[0][0, SHORT_MAX]
      entry[:last] = done[-1][0, LAST_MAX]
    end
    entry[:partial] = partial[-LAST_MAX..] || partial
  rescue StandardError
    nil
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
    lines = @lines.map do |(path, line), e|
      count, first, last = e[:count], e[:first], e[:last]
      unless e[:partial].empty?
        count += 1
        first ||= e[:partial][0, SHORT_MAX]
        last = e[:partial][0, LAST_MAX]
      end
      { 'path' => path, 'line' => line, 'count' => count, 'first' => first || '',
        'last' => last || '', 'text' => e[:text] }
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
