#include "partition/convert_dependants.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace assistant_hub::partition {

namespace {
// Runs a query with $1 = table OID, $2 = its qualified name; returns column 1 of every row.
std::vector<std::string> texts(pg::SpiConnection &spi, const Table &t, const char *sql,
                               const std::string &extra = {}) {
    spi.execute(sql, {{OIDOID, ObjectIdGetDatum(t.oid)},
                      {TEXTOID, CStringGetTextDatum(t.qualified.c_str())},
                      {TEXTOID, CStringGetTextDatum(extra.c_str())}});
    std::vector<std::string> out;
    for (uint64 i = 0; i < SPI_processed; i++)
        out.push_back(spi_text_or(i, 1));
    return out;
}
} // namespace

std::vector<std::string> conversion_problems(pg::SpiConnection &spi, const Table &t,
                                             const std::string &control) {
    return texts(spi, t, R"(
        SELECT pg_catalog.format('unique index %s does not include column %I', i.indexrelid::regclass, $3)
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = $1 AND i.indisunique AND NOT EXISTS (
            SELECT 1 FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = $1 AND a.attname = $3 AND a.attnum = ANY (i.indkey::int2[]))
        UNION ALL
        SELECT pg_catalog.format('exclusion constraint %I', conname)
        FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'x'
        UNION ALL
        SELECT pg_catalog.format('foreign key %I of table %s references it', conname, conrelid::regclass)
        FROM pg_catalog.pg_constraint WHERE confrelid = $1 AND contype = 'f'
        UNION ALL
        SELECT 'it inherits from or is inherited by another table'
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = $1 OR inhparent = $1)
        UNION ALL
        SELECT pg_catalog.format('rule %I', rulename) FROM pg_catalog.pg_rewrite
        WHERE ev_class = $1 AND rulename <> '_RETURN'
        UNION ALL
        SELECT DISTINCT pg_catalog.format('materialized view %s depends on it', v.oid::regclass)
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid = $1 AND v.relkind = 'm'
        UNION ALL
        SELECT DISTINCT pg_catalog.format('function %s depends on it', d.objid::regprocedure)
        FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid = $1
        UNION ALL
        SELECT DISTINCT pg_catalog.format('policy %I of table %s uses it', p.polname, p.polrelid::regclass)
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_policy p ON p.oid = d.objid
        WHERE d.classid = 'pg_catalog.pg_policy'::regclass AND d.refobjid = $1 AND p.polrelid <> $1
        UNION ALL
        SELECT pg_catalog.format('publication %I includes it', p.pubname)
        FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid
        WHERE pr.prrelid = $1
        UNION ALL
        SELECT pg_catalog.format('trigger %I is a constraint trigger', tgname) FROM pg_catalog.pg_trigger
        WHERE tgrelid = $1 AND NOT tgisinternal AND tgconstraint <> 0
        UNION ALL
        SELECT pg_catalog.format('row trigger %I uses transition tables', tgname) FROM pg_catalog.pg_trigger
        WHERE tgrelid = $1 AND NOT tgisinternal AND (tgtype & 1) = 1
          AND (tgoldtable IS NOT NULL OR tgnewtable IS NOT NULL)
        UNION ALL
        SELECT 'it is a typed table' FROM pg_catalog.pg_class WHERE oid = $1 AND reloftype <> 0
        UNION ALL
        SELECT 'it is unlogged (a partitioned table cannot be)' FROM pg_catalog.pg_class
        WHERE oid = $1 AND relpersistence = 'u'
        UNION ALL
        SELECT 'it is a temporary table' FROM pg_catalog.pg_class WHERE oid = $1 AND relpersistence = 't'
        ORDER BY 1)",
                 control);
}

Dependants capture_dependants(pg::SpiConnection &spi, const Table &t) {
    Dependants d;
    // Indexes: constraint indexes come back as ADD CONSTRAINT, the others as CREATE INDEX.
    spi.execute(
        R"(
        SELECT i.indexrelid,
               CASE WHEN con.oid IS NOT NULL
                    THEN pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2, con.conname,
                                           pg_catalog.pg_get_constraintdef(con.oid))
                    ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END,
               c.relname
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
        LEFT JOIN pg_catalog.pg_constraint con
               ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u')
        WHERE i.indrelid = $1
        ORDER BY con.oid IS NULL, c.relname)",
        {{OIDOID, ObjectIdGetDatum(t.oid)}, {TEXTOID, CStringGetTextDatum(t.qualified.c_str())}});
    for (uint64 i = 0; i < SPI_processed; i++) {
        d.index_oids.push_back(static_cast<Oid>(std::stoul(spi_text_or(i, 1))));
        d.indexes.push_back(spi_text_or(i, 2));
        d.index_renames.push_back(spi_text_or(i, 3));
    }
    d.foreign_keys = texts(spi, t, R"(
        SELECT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2, conname,
                                 pg_catalog.pg_get_constraintdef(oid))
        FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'f' ORDER BY conname)");
    d.drop_triggers = texts(spi, t, R"(
        SELECT pg_catalog.format('DROP TRIGGER %I ON %s', tgname, $2)
        FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname)");
    d.triggers = texts(spi, t, R"(
        SELECT s FROM pg_catalog.pg_trigger,
        LATERAL (VALUES (1, pg_catalog.pg_get_triggerdef(oid)),
                        (2, CASE tgenabled WHEN 'D' THEN pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I', $2, tgname)
                                           WHEN 'R' THEN pg_catalog.format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', $2, tgname)
                                           WHEN 'A' THEN pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', $2, tgname)
                            END)) AS v(n, s)
        WHERE tgrelid = $1 AND NOT tgisinternal AND s IS NOT NULL ORDER BY tgname, n)");
    d.table_settings = texts(spi, t, R"(
        SELECT s FROM (
            SELECT 1, pg_catalog.format('ALTER TABLE %s OWNER TO %I', $2, pg_catalog.pg_get_userbyid(relowner))
            FROM pg_catalog.pg_class WHERE oid = $1
            UNION ALL
            SELECT 2, pg_catalog.format('COMMENT ON TABLE %s IS %L', $2, description)
            FROM pg_catalog.pg_description
            WHERE objoid = $1 AND classoid = 'pg_catalog.pg_class'::regclass AND objsubid = 0
            UNION ALL
            SELECT 3, pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', $2)
            FROM pg_catalog.pg_class WHERE oid = $1 AND relrowsecurity
            UNION ALL
            SELECT 4, pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', $2)
            FROM pg_catalog.pg_class WHERE oid = $1 AND relforcerowsecurity
            UNION ALL
            SELECT 5, pg_catalog.format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, $2,
                       CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                       (SELECT pg_catalog.string_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                                         ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ')
                        FROM pg_catalog.unnest(p.polroles) r),
                       ' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')',
                       ' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')')
            FROM pg_catalog.pg_policy p WHERE p.polrelid = $1
            UNION ALL
            SELECT 6, pg_catalog.format('GRANT %s ON TABLE %s TO %s%s', a.privilege_type, $2,
                       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                       CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
            FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            WHERE c.oid = $1 AND a.grantee <> c.relowner
            UNION ALL
            SELECT 7, pg_catalog.format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type, att.attname, $2,
                       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                       CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
            FROM pg_catalog.pg_attribute att, pg_catalog.aclexplode(att.attacl) a
            WHERE att.attrelid = $1 AND att.attnum > 0 AND NOT att.attisdropped
        ) s(n, s) ORDER BY n, s)");
    d.views = texts(spi, t, R"(
        SELECT pg_catalog.format('CREATE OR REPLACE VIEW %s%s AS %s', v.oid::regclass,
                   ' WITH (' || pg_catalog.array_to_string(v.reloptions, ', ') || ')',
                   pg_catalog.pg_get_viewdef(v.oid))
        FROM (SELECT DISTINCT v.oid, v.reloptions
              FROM pg_catalog.pg_depend d
              JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
              JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
              WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass
                AND d.refclassid = 'pg_catalog.pg_class'::regclass
                AND d.refobjid = $1 AND v.oid <> $1 AND v.relkind = 'v') v
        ORDER BY v.oid)");
    d.sequences = texts(spi, t, R"(
        SELECT pg_catalog.format('ALTER SEQUENCE %s OWNED BY %s.%I', d.objid::regclass, $2, a.attname)
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = $1 AND d.deptype = 'a')");
    std::vector<std::string> identity_columns = texts(spi, t, R"(
        SELECT attname FROM pg_catalog.pg_attribute
        WHERE attrelid = $1 AND attidentity <> '' AND NOT attisdropped ORDER BY attnum)");
    for (const std::string &column : identity_columns) {
        std::string seq =
            texts(spi, t, "SELECT pg_catalog.pg_get_serial_sequence($2, $3)", column)[0];
        spi.execute(("SELECT last_value, is_called FROM " + seq).c_str());
        d.identities.push_back({column, spi_text_or(0, 1), spi_text_or(0, 2) == "t"});
    }
    return d;
}

} // namespace assistant_hub::partition
