# unsandbox-ls start-up hook for Perl, loaded before the program through PERL5OPT=-MUnsandboxBoot.
# See sitecustomize.py (the Python hook) for what it does; this is the same in Perl, and `exec`
# replaces the process, so none of this file's lines reach the program's messages.
package UnsandboxBoot;
use strict;
use warnings;

sub _word {
    my ($t) = @_;
    return undef if $t eq '~';
    return '' if $t eq '-';
    return pack('H*', $t);
}

sub _frame {
    my ($nonce, @lines) = @_;
    my $body = join("\n", map { my $l = $_; $l =~ tr/\n/ /; substr($l, 0, 300) } @lines[0 .. ($#lines < 11 ? $#lines : 11)]);
    syswrite(STDERR, "--- unsandbox-ls boot $nonce ---\n$body\n--- unsandbox-ls end $nonce ---\n");
}

sub _place {
    my ($source, $target) = @_;
    if (-e $target) {
        my @a = stat($source);
        my @b = stat($target);
        return if $a[0] == $b[0] && $a[1] == $b[1];
        unlink $target;
    }
    require File::Path;
    require File::Basename;
    File::Path::make_path(File::Basename::dirname($target));
    return if link($source, $target);
    require File::Copy;
    File::Copy::copy($source, $target) or die "cannot copy $source: $!";
}

sub _run {
    my ($text) = @_;
    my @t = split / /, $text;
    return unless $t[0] eq '1';
    my $nonce = $t[1];
    my @report = ('hook perl');
    eval {
        require Cwd;
        require File::Spec;
        require File::Basename;
        my $code = _word($t[2]);
        my $stdin = _word($t[3]);
        my $at = 4;
        my $n = $t[$at];
        my @args = map { _word($_) } @t[$at + 1 .. $at + $n];
        $at += 1 + $n;
        $n = $t[$at];
        my @files = map { [_word($t[$at + 1 + 2 * $_]), _word($t[$at + 2 + 2 * $_])] } 0 .. $n - 1;
        $at += 1 + 2 * $n;
        $n = $t[$at];
        my @restore = map { [_word($t[$at + 1 + 2 * $_]), _word($t[$at + 2 + 2 * $_])] } 0 .. $n - 1;
        my $script = File::Spec->rel2abs($0);
        if (!-f $script) { push @report, 'skipped no script file'; return 1; }
        my $cwd = Cwd::getcwd();
        my $here = File::Basename::dirname(File::Spec->rel2abs(__FILE__));
        my $found;
        for my $d ($here, '/tmp/input', $cwd, '/root/input', '/tmp', File::Basename::dirname($script)) {
            if (!grep { !-f "$d/$_->[0]" } @files) { $found = $d; last; }
        }
        push @report, 'input ' . ($found // 'none'), "code $script", "cwd $cwd";
        if (!defined $found) { push @report, 'skipped the input files were not found'; return 1; }
        my $tree = $found;
        if (!-w $found) {
            require File::Temp;
            $tree = File::Temp::tempdir('unsandbox-ls-XXXXXX', TMPDIR => 1);
        }
        for my $f (@files) {
            _place("$found/$f->[0]", "$tree/$f->[1]") if $f->[1] ne '' && ($tree ne $found || $f->[0] ne $f->[1]);
        }
        _place($script, "$tree/$code");
        if ($tree eq $found) {    # the folder holds what the local one does: no flat names, no hook
            for my $f (@files) { unlink "$found/$f->[0]" if $f->[0] ne $f->[1]; }
        }
        if ($tree ne '/tmp/input' && !-e '/tmp/input') { symlink($tree, '/tmp/input'); }
        for my $r (@restore) {
            if (defined $r->[1]) { $ENV{$r->[0]} = $r->[1]; } else { delete $ENV{$r->[0]}; }
        }
        delete $ENV{UNSANDBOX_LS_BOOT};
        my $input = defined $stdin ? "$tree/$stdin" : '/dev/null';
        push @report, "tree $tree", "exec $tree/$code";
        _frame($nonce, @report);
        @report = ();
        chdir $tree or die "cannot enter $tree: $!";
        open(STDIN, '<', $input) or die "cannot open $input: $!";
        exec { $^X } $^X, $code, @args;
        die "cannot run $^X: $!";
    } or do {
        my $err = $@ || 'unknown error';
        $err =~ s/\s+$//;
        push @report, "error $err";
    };
    _frame($nonce, @report) if @report;
}

_run($ENV{UNSANDBOX_LS_BOOT}) if $ENV{UNSANDBOX_LS_BOOT};

1;
