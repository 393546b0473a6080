# Slow-query capture across a restart, a full ring, the flush worker, a hot standby and
# top_queries() with pg_stat_statements loaded.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('slowlog_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'assistant_hub, pg_stat_statements'
assistant_hub.database_name = 'postgres'
assistant_hub.flush_interval_ms = 3600000
assistant_hub.slow_query_buffer = 64
});
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION assistant_hub');

sub stats {
    my ($node) = @_;
    my $row = $node->safe_psql('postgres',
        'SELECT captured, flushed, dropped, buffer_used FROM assistant_hub.slow_query_stats()');
    my %s;
    @s{qw(captured flushed dropped used)} = split /\|/, $row;
    return \%s;
}

sub invariant_holds {
    my ($s) = @_;
    return $s->{captured} == $s->{flushed} + $s->{dropped} + $s->{used};
}

# Ten slow statements, captured but not flushed (the worker waits an hour, the ring is far from
# half full); then a fast shutdown.
my $slow = 'SET assistant_hub.slow_query_ms = 50;';
$primary->safe_psql('postgres', "$slow SELECT pg_sleep(0.06) AS restart_$_, 'canary_$_'") for 1 .. 10;
my $before = stats($primary);
is( $primary->safe_psql('postgres',
        q{SELECT count(*) FROM assistant_hub.pending_slow_queries() WHERE query_text LIKE '%restart_%'}),
    10, 'ten statements pending before the restart');
ok(invariant_holds($before), 'captured = flushed + dropped + pending before the restart');

is( $primary->safe_psql('postgres',
        q{SELECT count(*) FROM assistant_hub.query_performance_log WHERE query_text LIKE '%restart_%'}),
    0, 'none of them was flushed before the shutdown');

$primary->stop('fast');
$primary->start;

# The postmaster reloads the ring at start; the worker may flush it at once, so each statement is
# either still pending or already in the log.
my $after = stats($primary);
is($after->{captured}, $before->{captured}, 'counters survived the restart');
is($after->{flushed} + $after->{used}, $before->{flushed} + $before->{used},
    'every pending entry is still pending or flushed, none dropped');
ok(invariant_holds($after), 'invariant holds after the restart');
$primary->safe_psql('postgres', 'SELECT assistant_hub.flush_slow_queries()');
is( $primary->safe_psql('postgres',
        q{SELECT string_agg(substring(query_text FROM 'restart_\d+'), ',' ORDER BY logged_at)
          FROM assistant_hub.query_performance_log WHERE query_text LIKE '%restart_%'}),
    join(',', map { "restart_$_" } 1 .. 10),
    'every statement captured before the fast shutdown reached the log, once');
is( $primary->safe_psql('postgres',
        q{SELECT count(*) FROM assistant_hub.query_performance_log l WHERE l::text LIKE '%canary%'}),
    0, 'no literal reached the log');

# The flush worker: a slow statement reaches the log within one flush interval.
$primary->safe_psql('postgres',
    'ALTER SYSTEM SET assistant_hub.flush_interval_ms = 200; SELECT pg_reload_conf()');
$primary->safe_psql('postgres', "$slow SELECT pg_sleep(0.06) AS by_the_worker");
ok( $primary->poll_query_until('postgres',
        q{SELECT count(*) = 1 FROM assistant_hub.query_performance_log
          WHERE query_text LIKE '%by_the_worker%'}),
    'the worker flushed a slow statement');

# top_queries() with pg_stat_statements loaded: PostgreSQL 15 column names.
$primary->safe_psql('postgres', 'CREATE EXTENSION pg_stat_statements');
$primary->safe_psql('postgres', 'SELECT count(*) FROM pg_class') for 1 .. 3;
is( $primary->safe_psql('postgres',
        q{SELECT count(*) BETWEEN 1 AND 3 AND bool_and(calls >= 1 AND mean_exec_time >= 0)
          FROM assistant_hub.top_queries(3)}),
    't', 'top_queries(3) returns up to three statements from pg_stat_statements');

# A hot standby keeps its own ring: pending_slow_queries() works there, flushing does not.
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('slowlog_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
my $logged = $primary->safe_psql('postgres', 'SELECT count(*) FROM assistant_hub.query_performance_log');
$standby->safe_psql('postgres', "$slow SELECT pg_sleep(0.06) AS on_the_standby");
is( $standby->safe_psql('postgres',
        q{SELECT count(*) FROM assistant_hub.pending_slow_queries()
          WHERE query_text LIKE '%on_the_standby%'}),
    1, 'the standby captured its slow statement');
my ($rc, $out, $err) =
  $standby->psql('postgres', 'SELECT assistant_hub.flush_slow_queries()');
like($err, qr/cannot flush slow queries during recovery/, 'flushing on a standby is refused');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM assistant_hub.query_performance_log'),
    $logged, 'the standby wrote nothing');
$standby->stop('fast');
$primary->stop('fast');

# A full ring counts drops and never blocks: a server whose worker cannot flush (the extension is
# not installed in its database) and a ring of 16 entries.
my $small = PostgreSQL::Test::Cluster->new('slowlog_small');
$small->init;
$small->append_conf('postgresql.conf', q{
shared_preload_libraries = 'assistant_hub'
assistant_hub.database_name = 'template1'
assistant_hub.slow_query_buffer = 16
});
$small->start;
$small->safe_psql('postgres', 'CREATE EXTENSION assistant_hub');
$small->safe_psql('postgres', q{
SET assistant_hub.slow_query_ms = 0;
SET assistant_hub.track_nested = on;
DO $$ BEGIN FOR i IN 1..100 LOOP PERFORM i; END LOOP; END $$;
});
my $full = stats($small);
is($full->{used}, 16, 'the ring is full');
cmp_ok($full->{dropped}, '>=', 84, 'statements past a full ring were dropped and counted');
ok(invariant_holds($full), 'invariant holds with drops');
# A full ring survives a restart too.
$small->restart;
my $full_after = stats($small);
is_deeply($full_after, $full, 'a full ring and its counters survive a restart');
is($small->safe_psql('postgres', 'SELECT assistant_hub.flush_slow_queries()'), 16,
    'the sixteen kept entries flush');
ok(invariant_holds(stats($small)), 'invariant holds after the flush');
$small->stop('fast');

done_testing();
