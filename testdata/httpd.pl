#!/usr/bin/perl
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The smimetools authors; see LICENSE.
# httpd.pl ROOT PORTFILE [SECONDS]: the CRL server of the tests that
# fetch (0043, 0061), in Perl: python3 is not on every Debian image.
# Listens on 127.0.0.1 on a free port and writes it to PORTFILE (renamed
# into place, so a reader never sees half of it).  GET /NAME serves
# ROOT/NAME; /slow answers after 5 s; /huge streams 4 MiB without a
# Content-Length; anything else is 404.  Every path asked is appended to
# ROOT/../httpd.log.  A child per request, so a slow one holds up
# nobody; the server ends itself after SECONDS (60).
use strict;
use IO::Socket::INET;
my ($root, $portfile, $life) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 16, ReuseAddr => 1) or die "httpd: listen: $!\n";
open(my $pf, '>', "$portfile.new") or die; print $pf $s->sockport, "\n";
close $pf; rename("$portfile.new", $portfile) or die;
$SIG{CHLD} = 'IGNORE'; $SIG{PIPE} = 'IGNORE';
alarm($life // 60);
while (1) {
	my $c = $s->accept or next;
	if (fork) { close $c; next }
	close $s;
	my $req = <$c> // '';
	while (my $l = <$c>) { last if $l =~ /^\r?\n\z/ }
	my ($p) = $req =~ m{^GET /([A-Za-z0-9._-]*) HTTP/};
	$p //= '';
	open(my $log, '>>', "$root/../httpd.log"); print $log "$p\n"; close $log;
	if ($p eq 'slow') { sleep 5 }
	if ($p eq 'huge') {
		print $c "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n";
		print $c ('x' x 65536) for 1 .. 64;
	} elsif ($p ne '' && -f "$root/$p") {
		open(my $f, '<:raw', "$root/$p") or die; local $/; my $b = <$f>;
		print $c "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\n",
		    "Content-Length: ", length($b), "\r\nConnection: close\r\n\r\n", $b;
	} else {
		print $c "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	}
	close $c;
	exit 0;
}
