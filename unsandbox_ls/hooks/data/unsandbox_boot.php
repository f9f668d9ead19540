<?php
// unsandbox-ls start-up hook for PHP, run before the script as its auto_prepend_file.
// See sitecustomize.py (the Python hook) for what it does; this is the same in PHP. The script
// runs again (pcntl_exec replaces the process; without it, a child process whose status this
// one exits with), so none of this file's lines reach the script's messages.
(function () {
    $text = getenv('UNSANDBOX_LS_BOOT');
    if ($text === false || $text === '') {
        return;
    }
    $t = explode(' ', $text);
    if ($t[0] !== '1') {
        return;
    }
    $nonce = $t[1];
    $report = ['hook php'];
    $frame = function () use (&$report, $nonce) {
        $lines = array_map(fn ($l) => substr(str_replace("\n", ' ', $l), 0, 300), array_slice($report, 0, 12));
        fwrite(STDERR, "--- unsandbox-ls boot $nonce ---\n" . implode("\n", $lines) . "\n--- unsandbox-ls end $nonce ---\n");
    };
    $word = fn ($w) => $w === '~' ? null : ($w === '-' ? '' : hex2bin($w));
    try {
        $code = $word($t[2]);
        $stdin = $word($t[3]);
        $at = 4;
        $n = (int) $t[$at];
        $args = array_map($word, array_slice($t, $at + 1, $n));
        $at += 1 + $n;
        $n = (int) $t[$at];
        $files = [];
        for ($i = 0; $i < $n; $i++) {
            $files[] = [$word($t[$at + 1 + 2 * $i]), $word($t[$at + 2 + 2 * $i])];
        }
        $at += 1 + 2 * $n;
        $n = (int) $t[$at];
        $restore = [];
        for ($i = 0; $i < $n; $i++) {
            $restore[] = [$word($t[$at + 1 + 2 * $i]), $word($t[$at + 2 + 2 * $i])];
        }
        $script = $_SERVER['SCRIPT_FILENAME'] ?? '';
        if ($script === '' || !is_file($script)) {
            $report[] = 'skipped no script file';
            $frame();
            return;
        }
        $script = realpath($script);
        $cwd = getcwd();
        $found = null;
        foreach ([__DIR__, '/tmp/input', $cwd, '/root/input', '/tmp', dirname($script)] as $d) {
            $ok = true;
            foreach ($files as [$w]) {
                if (!is_file("$d/$w")) {
                    $ok = false;
                    break;
                }
            }
            if ($ok) {
                $found = $d;
                break;
            }
        }
        array_push($report, 'input ' . ($found ?? 'none'), "code $script", "cwd $cwd");
        if ($found === null) {
            $report[] = 'skipped the input files were not found';
            $frame();
            return;
        }
        $tree = $found;
        if (!is_writable($found)) {
            $tree = sys_get_temp_dir() . '/unsandbox-ls-' . bin2hex(random_bytes(6));
            mkdir($tree, 0700);
        }
        $place = function ($source, $target) {
            if (file_exists($target)) {
                if (fileinode($source) === fileinode($target) && filesize($source) === filesize($target)) {
                    return;
                }
                unlink($target);
            }
            if (!is_dir(dirname($target))) {
                mkdir(dirname($target), 0777, true);
            }
            if (!@link($source, $target) && !copy($source, $target)) {
                throw new RuntimeException("cannot place $target");
            }
        };
        foreach ($files as [$w, $local]) {
            if ($local !== '' && ($tree !== $found || $w !== $local)) {
                $place("$found/$w", "$tree/$local");
            }
        }
        $place($script, "$tree/$code");
        if ($tree === $found) {  // the folder holds what the local one does: no flat names, no hook
            foreach ($files as [$w, $local]) {
                if ($w !== $local) {
                    @unlink("$found/$w");
                }
            }
        }
        if ($tree !== '/tmp/input' && !file_exists('/tmp/input')) {
            @symlink($tree, '/tmp/input');
        }
        $env = getenv();
        foreach ($restore as [$name, $value]) {
            if ($value === null) {
                unset($env[$name]);
            } else {
                $env[$name] = $value;
            }
        }
        unset($env['UNSANDBOX_LS_BOOT']);
        $input = $stdin !== null ? "$tree/$stdin" : '/dev/null';
        array_push($report, "tree $tree", "exec $tree/$code");
        $frame();
        chdir($tree);
        if (function_exists('pcntl_exec')) {
            fclose(STDIN);
            $in = fopen($input, 'r');  // the lowest free descriptor: 0
            pcntl_exec(PHP_BINARY, [$code, ...$args], $env);
            fclose($in);
            throw new RuntimeException('pcntl_exec failed');
        }
        $proc = proc_open([PHP_BINARY, $code, ...$args], [0 => ['file', $input, 'r'], 1 => STDOUT, 2 => STDERR], $pipes, $tree, $env);
        if ($proc === false) {
            throw new RuntimeException('cannot start ' . PHP_BINARY);
        }
        exit(proc_close($proc));
    } catch (Throwable $e) {
        $report[] = 'error ' . $e->getMessage();
        $frame();
    }
})();
