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

$node->stop;
done_testing();
