#include <gtest/gtest.h>

#include "slowlog/pure_normalize.hpp"

using assistant_hub::slowlog::normalize_query;
using assistant_hub::slowlog::query_hash;

TEST(SlowlogNormalize, ReplacesStringAndNumberLiterals) {
    EXPECT_EQ(normalize_query("SELECT * FROM t WHERE a = 'secret' AND b = 42 AND c = 1.5e3"),
              "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3");
    EXPECT_EQ(normalize_query("select 'it''s', .5, -7"), "select $1, $2, -$3");
}

TEST(SlowlogNormalize, ReplacesPrefixedAndDollarQuotedLiterals) {
    EXPECT_EQ(normalize_query("SELECT E'a\\'b', B'101', X'ff', N'n', U&'d\\0061'"),
              "SELECT $1, $2, $3, $4, $5");
    EXPECT_EQ(normalize_query("SELECT $$ secret $$, $tag$ x $$ y $tag$"), "SELECT $1, $2");
    EXPECT_EQ(normalize_query("SELECT interval '1 day'"), "SELECT interval $1");
}

TEST(SlowlogNormalize, NumbersAfterExistingParameters) {
    EXPECT_EQ(normalize_query("SELECT $2, 'x', $1"), "SELECT $2, $3, $1");
}

TEST(SlowlogNormalize, KeepsIdentifiersAndQuotedIdentifiers) {
    EXPECT_EQ(normalize_query("SELECT t1.col2, \"We'ird 5\" FROM s.t1"),
              "SELECT t1.col2, \"We'ird 5\" FROM s.t1");
    EXPECT_EQ(normalize_query("SELECT e, x FROM b"), "SELECT e, x FROM b");
}

TEST(SlowlogNormalize, DropsCommentsAndCollapsesWhitespace) {
    EXPECT_EQ(normalize_query("  SELECT /* secret /* nested */ still */ 1 -- secret\n  ,\t2  "),
              "SELECT $1 , $2");
}

TEST(SlowlogNormalize, TruncatedLiteralsNeverLeak) {
    EXPECT_EQ(normalize_query("SELECT 'secret that was cu"), "SELECT $1");
    EXPECT_EQ(normalize_query("SELECT $x$ secret"), "SELECT $1");
    EXPECT_EQ(normalize_query("SELECT E'secret\\"), "SELECT $1");
    EXPECT_EQ(normalize_query("SELECT 1 /* secret"), "SELECT $1");
}

TEST(SlowlogNormalize, InvalidMultibyteBytesPassThrough) {
    // A UTF-8 sequence cut in the middle, inside and outside literals.
    std::string cut_ident = "SELECT caf\xc3";
    EXPECT_EQ(normalize_query(cut_ident), cut_ident);
    EXPECT_EQ(normalize_query("SELECT '\xc3\xa9t\xc3"), "SELECT $1");
    EXPECT_EQ(normalize_query("SELECT \xff\xfe 'x'"), "SELECT \xff\xfe $1");
}

TEST(SlowlogNormalize, HashDependsOnNormalizedTextOnly) {
    EXPECT_EQ(query_hash(normalize_query("SELECT 1")), query_hash(normalize_query("SELECT  2")));
    EXPECT_NE(query_hash("SELECT $1"), query_hash("SELECT $1, $2"));
}

TEST(SlowlogNormalize, KeepLayoutForPlans) {
    EXPECT_EQ(normalize_query("Seq Scan on t\n  Filter: (name = 'secret'::text)", true),
              "Seq Scan on t\n  Filter: (name = $1::text)");
}
