# Nothing lost to a crash: several clients write journal entries, complete tasks and receive
# email with the dashboard metrics attached while a convert_to_partitioned runs; the server is
# killed three times (SIGKILL of a backend, which makes the postmaster reset everything; an
# immediate stop; SIGKILL of the postmaster itself). After each restart every committed row is there, every metric verifies exact,
# and the conversion finishes on its next call.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'assistant_hub'
assistant_hub.database_name = 'postgres'
restart_after_crash = on
max_worker_processes = 16
});
$node->start;
$node->safe_psql('postgres', q{
    CREATE EXTENSION assistant_hub;
    SELECT assistant_hub.create_hub_schema();
    SELECT assistant_hub.generate_demo_data(12, 20);
    CREATE TABLE public.events (id bigint NOT NULL, happened_at timestamptz NOT NULL,
                                payload text, PRIMARY KEY (id, happened_at));
    INSERT INTO public.events
    SELECT i, now() - (i % 700) * interval '1 day', repeat('x', 50)
    FROM generate_series(1, 400000) i;
});
my $events_before = $node->safe_psql('postgres', 'SELECT count(*) FROM public.events');

# One writer: transactions that each add a journal entry, an email and complete a task for one
# user, then print the tag of what committed (psql prints it only after COMMIT succeeded).
sub writer_script {
    my ($writer, $round) = @_;
    my $sql = "\\set ON_ERROR_STOP on\n";
    for my $i (1 .. 4000) {
        my $tag = "w$writer-r$round-$i";
        $sql .= qq{BEGIN;
SELECT id AS uid FROM hub.users ORDER BY email OFFSET ($i % 12) LIMIT 1 \\gset
INSERT INTO hub.journal_entries (user_id, entry_date, title, content, mood_score)
    VALUES (:'uid', current_date, '$tag', 'crash test', 1 + $i % 10);
INSERT INTO hub.email_messages (user_id, thread_id, from_address, subject, received_at)
    SELECT :'uid', id, 'a\@example.com', '$tag', now() FROM hub.email_threads WHERE user_id = :'uid' LIMIT 1;
UPDATE hub.tasks SET status = 'completed', completed_at = now()
    WHERE (user_id, id) IN (SELECT user_id, id FROM hub.tasks WHERE user_id = :'uid' AND status <> 'completed'
                            LIMIT 1 FOR UPDATE SKIP LOCKED);
COMMIT;
\\echo committed $tag
};
    }
    return $sql;
}

sub start_writers {
    my ($round) = @_;
    my @writers;
    for my $w (1 .. 3) {
        my ($in, $out, $err) = (writer_script($w, $round), '', '');
        # Line-buffered, so every commit psql reports reaches us before it exits.
        my $h = IPC::Run::start([ 'stdbuf', '-oL', 'psql', '-X', '-q', '-d', $node->connstr('postgres') ],
            '<', \$in, '>', \$out, '2>', \$err);
        push @writers, { handle => $h, out => \$out, err => \$err };
    }
    return @writers;
}

sub committed_tags {
    my @writers = @_;
    my @tags;
    for my $w (@writers) {
        eval { $w->{handle}->finish; };
        push @tags, ${ $w->{out} } =~ /^committed (\S+)$/mg;
        note('writer stderr: ' . substr(${ $w->{err} }, 0, 500)) if ${ $w->{err} } ne '';
    }
    return @tags;
}

sub crash_rows {
    return $node->safe_psql('postgres', q{SELECT count(*) FROM hub.journal_entries WHERE content = 'crash test'});
}

# Commits the writers have reported so far.
sub reported {
    my $n = 0;
    $n += () = ${ $_->{out} } =~ /^committed /mg for @_;
    return $n;
}

# Waits until the writers have committed $new more transactions than $base and reported at least
# 20 of them (psql's output reaches us in blocks, so a fast crash could otherwise come before any
# report; up to 5 minutes: a loaded machine is slow); says what the server was doing if not.
sub wait_for_commits {
    my ($base, $new, @writers) = @_;
    my $min = $base + $new;
    for (1 .. 3000) {
        for my $w (@writers) {
            $w->{handle}->pump_nb;
            die 'a writer failed: ' . ${ $w->{err} } if ${ $w->{err} } =~ /ERROR|FATAL/;
        }
        return if crash_rows() >= $min && reported(@writers) >= 20;
        usleep(100_000);
    }
    diag('the writers committed ' . (crash_rows() - $base) . " of $new transactions in 5 minutes; activity:\n"
        . $node->safe_psql('postgres', q{
            SELECT pid, state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity
            WHERE backend_type = 'client backend'}));
}

sub check_after_restart {
    my ($label, @tags) = @_;
    my $this_round = pop @tags;
    ok($this_round >= 20, "$label: the writers reported $this_round commits before the crash")
        or diag("$label: journal entries of the crash test in the database: " . crash_rows());
    my $list = join(',', map { "'$_'" } @tags);
    is($node->safe_psql('postgres', "SELECT count(DISTINCT title) FROM hub.journal_entries WHERE title IN ($list)"),
        scalar(@tags), "$label: every committed journal entry is there");
    is($node->safe_psql('postgres', "SELECT count(DISTINCT subject) FROM hub.email_messages WHERE subject IN ($list)"),
        scalar(@tags), "$label: every committed email is there");
    is($node->safe_psql('postgres', q{
        SELECT count(*) FROM assistant_hub.metrics m, LATERAL assistant_hub.verify_metric(m.name)}),
        '0', "$label: every metric verifies exact");
    my $metrics = $node->safe_psql('postgres', 'SELECT count(*) FROM assistant_hub.metrics');
    is($metrics, '3', "$label: the three hub metrics are attached");
}

# Round 1: a backend killed with SIGKILL while writers and the conversion run.
my $base = crash_rows();
my @writers = start_writers(1);
my ($conv_in, $conv_out, $conv_err) = (q{SELECT assistant_hub.convert_to_partitioned('public.events', 'happened_at', '1 month', 2000);}, '', '');
my $conversion = IPC::Run::start([ 'psql', '-X', '-q', '-d', $node->connstr('postgres') ],
    '<', \$conv_in, '>', \$conv_out, '2>', \$conv_err);
wait_for_commits($base, 150, @writers);
my $victim = $node->safe_psql('postgres', q{
    SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%hub.%'
      AND pid <> pg_backend_pid() LIMIT 1});
ok($victim =~ /^\d+$/, 'found a writer backend to kill');
kill 'KILL', $victim;
my @tags = committed_tags(@writers);
eval { $conversion->finish; };
$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
check_after_restart('after SIGKILL', @tags, scalar(@tags));

# Round 2: an immediate stop (no shutdown checkpoint) while the writers run again.
$base = crash_rows();
@writers = start_writers(2);
wait_for_commits($base, 150, @writers);
$node->stop('immediate');
my @tags2 = committed_tags(@writers);
$node->start;
check_after_restart('after immediate stop', @tags, @tags2, scalar(@tags2));

# Round 3: the postmaster itself killed with SIGKILL while the writers run.
$base = crash_rows();
@writers = start_writers(3);
wait_for_commits($base, 150, @writers);
my @server_pids = split /\n/, $node->safe_psql('postgres', 'SELECT pid FROM pg_stat_activity');
$node->kill9;
my @tags3 = committed_tags(@writers);
# Its orphaned processes notice and exit; the shared memory is free once they are gone.
for (1 .. 600) {
    last unless grep { kill 0, $_ } @server_pids;
    usleep(100_000);
}
$node->start;
check_after_restart('after SIGKILL of the postmaster', @tags, @tags2, @tags3, scalar(@tags3));

# The conversion finishes on its next call, with every row exactly once.
$node->safe_psql('postgres', q{SELECT assistant_hub.convert_to_partitioned('public.events', 'happened_at', '1 month', 2000)});
is($node->safe_psql('postgres', q{SELECT relkind FROM pg_class WHERE oid = 'public.events'::regclass}),
    'p', 'events is partitioned after the conversion resumed');
is($node->safe_psql('postgres', 'SELECT count(*) FROM public.events'), $events_before, 'no event lost');
is($node->safe_psql('postgres', 'SELECT count(*) FROM (SELECT DISTINCT id, happened_at FROM public.events) d'),
    $events_before, 'no event duplicated');

$node->stop;
done_testing();
