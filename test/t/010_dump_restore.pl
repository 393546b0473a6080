# pg_dump of a populated database, restored with pg_restore into a new database, gives the same
# rows, and the extension keeps working there.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron,assistant_hub'
cron.database_name = 'postgres'
assistant_hub.database_name = 'src'
cron.use_background_workers = on
max_worker_processes = 16
});
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
    CREATE EXTENSION assistant_hub CASCADE;
    SELECT assistant_hub.create_hub_schema();
    SELECT assistant_hub.generate_demo_data(40, 45);
});
# Slow queries captured and flushed, and a maintenance run logged.
$node->safe_psql('src', q{
    SET assistant_hub.slow_query_ms = 0;
    SELECT count(*) FROM hub.tasks WHERE priority = 2;
    SELECT pg_sleep(0.01);
    RESET assistant_hub.slow_query_ms;
    SELECT assistant_hub.flush_slow_queries();
    SELECT assistant_hub.run_maintenance();
});
# The extension's own state: partition sets, metrics and their values, slow-query log,
# maintenance log.
my $state = q{
    SELECT (SELECT string_agg(parent::text || ' ' || kind, ',' ORDER BY parent::text) FROM assistant_hub.partition_sets)
        || ' | ' || (SELECT string_agg(name, ',' ORDER BY name) FROM assistant_hub.metrics)
        || ' | ' || (SELECT sum(value)::text FROM assistant_hub.metric_values_uuid)
        || ' | ' || (SELECT count(*) FROM assistant_hub.query_performance_log)
        || ' | ' || (SELECT count(*) FROM assistant_hub.maintenance_log)
};
my $state_before = $node->safe_psql('src', $state);
like($state_before, qr/hub\.activity_logs hash,hub\.journal_entries time \| emails_received,journal_entries,tasks_completed \| \d+ \| [1-9]\d* \| [1-9]/,
    'source has partition sets, metrics, slow-query log and maintenance log');

# One line per hub table: row count and a checksum of its rows.
my $fingerprint = q{
    SELECT string_agg(t || ' ' || (xpath('/row/c/text()', query_to_xml(format(
        'SELECT count(*) || '':'' || md5(coalesce(string_agg(x::text, '','' ORDER BY x::text), '''')) AS c FROM hub.%I x', t),
        false, true, '')))[1]::text, E'\n' ORDER BY t)
    FROM assistant_hub.hub_tables() AS t
};
my $before = $node->safe_psql('src', $fingerprint);
like($before, qr/journal_entries [1-9]\d*:/, 'source has journal entries');

my $dump = $PostgreSQL::Test::Utils::tmp_check . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
    'pg_restore');

is($node->safe_psql('dst', $fingerprint), $before, 'restored database has the same rows');
is($node->safe_psql('dst', $state), $state_before,
    'restored database has the same partition sets, metrics, metric values, slow-query and maintenance logs');

# The restored schema is complete and the extension works on it.
my ($rc, $out, $err) = $node->psql('dst', 'SELECT assistant_hub.create_hub_schema()');
is($rc, 0, 'create_hub_schema runs on the restored database');
like($err, qr/already exists; nothing changed/, 'and finds the hub schema complete');
is($node->safe_psql('dst', q{
    SELECT count(*) FROM pg_class WHERE relnamespace = 'hub'::regnamespace
      AND relkind IN ('r', 'p') AND NOT relispartition AND relrowsecurity}),
    '9', 'row-level security survived on all nine hub tables');
$node->safe_psql('dst', 'SELECT assistant_hub.generate_demo_data(5, 10)');
is($node->safe_psql('dst', 'SELECT count(*) FROM hub.users'), '45', 'new writes work after restore');
is($node->safe_psql('dst', 'SELECT count(*) FROM assistant_hub.metrics m, LATERAL assistant_hub.verify_metric(m.name)'),
    '0', 'metrics are exact after new writes on the restored database');
$node->safe_psql('dst', q{SELECT assistant_hub.create_partitions_for_range('hub.journal_entries',
    current_date + 400, current_date + 400)});
isnt($node->safe_psql('dst', q{SELECT to_regclass(format('hub.journal_entries_p%s', to_char(current_date + 400, 'YYYY_MM')))}),
    '', 'the partition manager premakes on the restored database');
my @actions = split /\n/, $node->safe_psql('dst', 'SELECT action FROM assistant_hub.run_partition_maintenance()');
ok(!grep({ $_ eq 'failed' } @actions), 'partition maintenance runs cleanly on the restored database');

$node->stop;
done_testing();
