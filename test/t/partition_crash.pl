# convert_to_partitioned() interrupted by a crash (an immediate shutdown) at some point of its
# phases: after the restart the next call resumes or rolls forward, and the table ends up
# partitioned with every row once and nothing of the conversion left behind.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('partition_crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'assistant_hub'
max_worker_processes = 16
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION assistant_hub');

# Crash points spread over the phases: early (the CHECK), during validation, around the swap.
my @delays_ms = (10, 35, 60, 85, 110);
for my $i (0 .. $#delays_ms) {
    my $t = "t$i";
    $node->safe_psql('postgres', qq{
        CREATE TABLE $t (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, v int NOT NULL,
                         PRIMARY KEY (id, at));
        INSERT INTO $t (at, v) SELECT now() - g * interval '1 minute', g FROM generate_series(1, 300000) g;
    });
    my $before = $node->safe_psql('postgres', "SELECT count(*) || ' ' || sum(v) FROM $t");

    my ($out, $err) = ('', '');
    my $h = IPC::Run::start(
        [ 'psql', '-X', '-d', $node->connstr('postgres'), '-c',
          "SELECT assistant_hub.convert_to_partitioned('$t', 'at')" ],
        '>', \$out, '2>', \$err);
    usleep($delays_ms[$i] * 1000);
    $node->stop('immediate');
    $h->finish;
    $node->start;

    my $state = $node->safe_psql('postgres', qq{
        SELECT coalesce((SELECT phase FROM assistant_hub.partition_conversions WHERE table_name = '$t'), 'none')});
    note("crash after $delays_ms[$i] ms: phase reached $state");
    if ($node->safe_psql('postgres', "SELECT relkind FROM pg_class WHERE oid = '$t'::regclass") ne 'p'
        || $state ne 'done') {
        $node->safe_psql('postgres', "SELECT assistant_hub.convert_to_partitioned('$t', 'at')");
    }
    is($node->safe_psql('postgres', "SELECT relkind FROM pg_class WHERE oid = '$t'::regclass"),
        'p', "$t is partitioned after the crash ($state) and a second call");
    is($node->safe_psql('postgres', "SELECT count(*) || ' ' || sum(v) FROM $t"),
        $before, "$t has every row once");
    is($node->safe_psql('postgres', q{
        SELECT count(*) FROM pg_constraint WHERE conname = 'assistant_hub_convert_bound'}),
        '0', 'no conversion CHECK is left behind');
    is($node->safe_psql('postgres',
        "SELECT phase FROM assistant_hub.partition_conversions WHERE table_name = '$t'"),
        'done', 'the conversion is recorded as done');
    $node->safe_psql('postgres', "INSERT INTO $t (at, v) VALUES (now(), 1)");
}

$node->stop;
done_testing();
