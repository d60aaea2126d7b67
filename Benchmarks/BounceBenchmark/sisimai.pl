#!/usr/bin/perl
# The reference for BounceBenchmark: Debian's libsisimai-perl over the same files, in one perl
# process. Reads every file into memory first (as the Swift side does), then parses them all,
# pass after pass, for at least SECONDS, and prints one line of figures:
#   sisimai VERSION messages N passes P seconds S rate R recipients K cpu C cpurate Q
# (C: the CPU seconds the process used, user + system; Q: messages per CPU second, the figure that
# a shared, loaded machine disturbs least).
# Usage: sisimai.pl [--classes] SECONDS FILE... | sisimai.pl [--classes] SECONDS --list LISTFILE
# With --classes, prints instead one line per recipient: FILE<TAB>ADDRESS<TAB>REASON<TAB>HARD|NOT
# (Sisimai 4's softbounce flag: 0 is hard), to compare classifications.
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);

my $classes = 0;
if (@ARGV && $ARGV[0] eq '--classes') { $classes = 1; shift @ARGV; }
my $seconds = shift @ARGV;
my @files = @ARGV;
if (@files == 2 && $files[0] eq '--list') {
    # The file names, one a line, in a file (a corpus can be too long for a command line).
    open(my $lh, '<', $files[1]) or die "$files[1]: $!";
    @files = map { chomp; $_ } grep { /\S/ } <$lh>;
    close $lh;
}
my @texts;
for my $f (@files) {
    open(my $fh, '<:raw', $f) or die "$f: $!";
    local $/;
    my $t = <$fh>;
    close $fh;
    # Sisimai reads a string as one message when it does not start with a From_ line.
    push @texts, $t;
}
if ($classes) {
    for my $i (0 .. $#texts) {
        my $r = Sisimai->make(\$texts[$i]) || [];
        for my $d (@$r) {
            printf "%s\t%s\t%s\t%s\n", $files[$i], $d->recipient->address, $d->reason,
                ($d->softbounce == 0 ? 'hard' : 'not');
        }
    }
    exit 0;
}
my ($passes, $recipients, $parsed) = (0, 0, 0);
my $start = time;
my @cpu0 = times;
do {
    for my $t (@texts) {
        my $r = Sisimai->make(\$t) || [];
        $recipients += scalar @$r;
        $parsed++;
    }
    $passes++;
} while (time - $start < $seconds);
my $elapsed = time - $start;
my @cpu1 = times;
my $cpu = ($cpu1[0] - $cpu0[0]) + ($cpu1[1] - $cpu0[1]);
$cpu = 0.001 if $cpu <= 0;
printf "sisimai %s messages %d passes %d seconds %.3f rate %.1f recipients %d cpu %.3f cpurate %.1f\n",
    $Sisimai::VERSION, scalar @texts, $passes, $elapsed, $parsed / $elapsed, $recipients, $cpu, $parsed / $cpu;
