#!/usr/bin/perl
# Turns `iorec COMMAND --help` (CLI11's layout) into roff for a subsection of iorec(1): the
# description, the usage line, then one tagged paragraph per argument and option, so that
# man fills the text to the reader's terminal. The global options every command repeats
# (--help, --quiet, --log-level, --version) are left out: the page lists them once.
#   perl command_roff.pl < help.txt > section.roff
use strict;
use warnings;

my %global = map { $_ => 1 } ('-h,--help', '-q,--quiet', '--log-level', '--version');

# roff escapes: backslashes and dashes; a leading . or ' would be a request.
sub esc {
  my ($t) = @_;
  $t =~ s/\\/\\e/g;
  $t =~ s/-/\\-/g;
  $t =~ s/^([.'])/\\&$1/;
  return $t;
}

# "-c,--config" -> "\fB\-c\fR, \fB\-\-config\fR"
sub names {
  return join(', ', map { '\fB' . esc($_) . '\fR' } split(/,/, $_[0]));
}

# "FILE REQUIRED" -> "\fIFILE\fR (required)"; "Excludes: --x" -> "(not with \-\-x)".
sub qualifiers {
  my ($rest) = @_;
  my @parts;
  $rest =~ s/^\s+|\s+$//g;
  push @parts, '(not with ' . esc($1) . ')' while $rest =~ s/\s*Excludes: (\S+)//;
  push @parts, '(needs ' . esc($1) . ')' while $rest =~ s/\s*Needs: (\S+)//;
  my $required = $rest =~ s/\s*\bREQUIRED\b//;
  $rest =~ s/^\s+|\s+$//g;
  unshift @parts, '\fI' . esc($rest) . '\fR' if $rest ne '';
  push @parts, '(required)' if $required;
  return @parts ? ' ' . join(' ', @parts) : '';
}

my @out;
my $skip = 0;  # inside a global option's item
while (my $line = <STDIN>) {
  chomp $line;
  next if $line =~ /^\s*$/;
  if ($line =~ /^Usage: (.*)$/) {
    push @out, '.PP', '\fBUsage:\fR ' . esc($1);
    $skip = 0;
  } elsif ($line =~ /^(\S[^:]*):$/) {  # Positionals:, Options:, Deprecated:
    push @out, '.PP', '\fB' . esc($1) . ':\fR';
    $skip = 0;
  } elsif ($line =~ /^ {3,}(\S.*)$/) {  # a description continued on its own line
    push @out, esc($1) unless $skip;
  } elsif ($line =~ /^  (\S+)(.*?)(?: {2,}(\S.*))?$/) {  # an argument or option
    my ($name, $rest, $text) = ($1, $2, $3);
    $skip = $global{$name} ? 1 : 0;
    next if $skip;
    my $label = $name =~ /^-/ ? names($name) : '\fI' . esc($name) . '\fR';
    push @out, '.TP', $label . qualifiers($rest);
    push @out, esc($text) if defined $text;
  } else {  # the command's description
    push @out, esc($line);
  }
}
print join("\n", @out), "\n";
