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

UnsandboxLsBoot.run(ENV['UNSANDBOX_LS_BOOT']) if ENV['UNSANDBOX_LS_BOOT']
