//! §1: whatever characters a schema name holds, every statement of a migration, of
//! `pk_migration_status` and of `pk_migration_plan` names exactly that schema. A property test
//! over names drawn from a hostile alphabet — quotes, every template hole, `$n`, dollar
//! quotes, comment openers and closers, `;`, newlines, 63-byte multibyte names — with decoy
//! schemas beside each, named as an old text substitution would have turned the name into.
#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;

    const PIECES: &[&str] = &[
        "\"",
        "'",
        "@plan@",
        "@settings@",
        "@endpoints@",
        "@kit@",
        "@table@",
        "@where@",
        "@label@",
        "@schema_literal@",
        "@candidates@",
        "@uuid_keys@",
        "@unpinned@",
        "@key_max@",
        "@internal@",
        "@detail_limit@",
        "$1",
        "$$",
        "$q$",
        "*/",
        "/*",
        "--",
        ";",
        "\n",
        " ",
        "\\",
        "E'",
        "é",
        "日本",
        "x",
        ") ",
        "SELECT 1/0",
        "%s",
        ".",
    ];

    /// Names built from `PIECES` by a fixed pseudo-random sequence (reproducible), each at most
    /// 63 bytes, plus hand-picked ones.
    fn names() -> Vec<String> {
        let mut names: Vec<String> = vec![
            "日".repeat(21),
            "a@plan@b".into(),
            "x\"; SELECT 1/0; --".into(),
            "@settings@".into(),
            "\"@kit@\"".into(),
            "q@endpoints@\"@plan@".into(),
            "nl\nSELECT 1/0; --".into(),
            "*/ SELECT 1/0 /*".into(),
            "$q$ SELECT 1/0 $q$".into(),
            "E'\\'; SELECT 1/0; --".into(),
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        while names.len() < 30 {
            let mut name = String::new();
            let parts = 1 + next() % 6;
            for _ in 0..parts {
                let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                if name.len() + piece.len() <= 63 {
                    name.push_str(piece);
                }
            }
            if !name.is_empty() && !name.starts_with("pg_") && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Schemas an old search-and-replace could have reached from `name`: the name with each
    /// hole token removed or cut at it, and the default schema.
    fn decoys(name: &str) -> Vec<String> {
        let mut out = vec!["public".to_string()];
        for piece in PIECES.iter().filter(|p| p.starts_with('@')) {
            if name.contains(piece) {
                for d in [name.replace(piece, ""), name.split(piece).next().unwrap_or("").to_string(), piece.trim_matches('@').to_string()] {
                    if !d.is_empty() && d != name && !d.starts_with("pg_") && !out.contains(&d) {
                        out.push(d);
                    }
                }
            }
        }
        out
    }

    fn call(sql: &str, schema: &str) -> serde_json::Value {
        let text = Spi::get_one_with_args::<pgrx::JsonB>(sql, &[schema.into()]).expect(sql).expect("a report");
        text.0
    }

    fn seed(schema: &str) {
        fixture(schema, 106);
        Spi::run_with_args(
            "SELECT pg_temp.pk_fixture_setting($1, 'integration:openrouter:work', '{\"last_validated_at\":\"2026-01-01T00:00:00Z\"}', 'integrations')",
            &[schema.into()],
        )
        .unwrap();
        Spi::run_with_args("SELECT pg_temp.pk_fixture_endpoint($1, 'Chat', 'openrouter')", &[schema.into()]).unwrap();
    }

    #[pg_test]
    fn every_statement_names_exactly_the_given_schema() {
        Spi::run("CREATE FUNCTION public.pk_hostile_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$").unwrap();
        for (i, name) in names().into_iter().enumerate() {
            let decoys = decoys(&name);
            for d in &decoys {
                seed(d);
            }
            seed(&name);
            if i % 2 == 1 {
                // Half the names also take the staged path (a trigger of the user's on each table).
                for table in ["phoenix_kit_settings", "phoenix_kit_ai_endpoints"] {
                    let ddl = Spi::get_one_with_args::<String>(
                        "SELECT format('CREATE TRIGGER noop BEFORE UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION public.pk_hostile_noop()', $1::text, $2::text)",
                        &[name.as_str().into(), table.into()],
                    )
                    .unwrap()
                    .unwrap();
                    Spi::run(&ddl).unwrap();
                }
            }
            let before: Vec<String> = decoys.iter().map(|d| fingerprint(d)).collect();
            let status = call("SELECT pk_migration_status($1)", &name);
            assert_eq!(status["schema"], name.as_str(), "{name:?}");
            assert_eq!(status["migrations"]["v107_up"]["can_run"], true, "{name:?}: {status}");
            for m in ["v107_up", "v107_down", "v114_up", "v114_down"] {
                Spi::get_one_with_args::<i64>("SELECT count(*) FROM pk_migration_plan($1, $2)", &[m.into(), name.as_str().into()])
                    .unwrap_or_else(|e| panic!("{name:?} plan {m}: {e}"));
            }
            let pins =
                Spi::get_one_with_args::<i64>("SELECT count(*) FROM pk_migration_plan('v107_up', $1) WHERE action = 'pin'", &[name.as_str().into()]).unwrap();
            assert_eq!(pins, Some(1), "{name:?}: the plan previews this schema's endpoint");
            let up = call("SELECT pk_migrate_v107_up($1)", &name);
            assert_eq!((up["schema"].as_str(), up["pinned_latest_validated"].as_i64()), (Some(name.as_str()), Some(1)), "{name:?}");
            set_version(&name, "113");
            let v114 = call("SELECT pk_migrate_v114_up($1)", &name);
            assert_eq!(v114["rows_rewritten"], 1, "{name:?}: {v114}");
            let keys = Spi::get_one::<bool>(
                &Spi::get_one_with_args::<String>(
                    "SELECT format('SELECT bool_and(key = uuid::text) FROM %I.phoenix_kit_settings WHERE value_json ? ''last_validated_at''', $1::text)",
                    &[name.as_str().into()],
                )
                .unwrap()
                .unwrap(),
            )
            .unwrap();
            assert_eq!(keys, Some(true), "{name:?}: this schema's row was rewritten");
            assert_eq!(call("SELECT pk_migrate_v114_down($1)", &name)["rows_rewritten"], 1, "{name:?}");
            set_version(&name, "107");
            assert_eq!(call("SELECT pk_migrate_v107_down($1)", &name)["pins_discarded"], 1, "{name:?}");
            assert_eq!(version(&name).as_deref(), Some("106"), "{name:?}");
            for (d, fp) in decoys.iter().zip(&before) {
                assert_eq!(&fingerprint(d), fp, "{name:?}: decoy schema {d:?} changed");
            }
            for d in decoys.iter().filter(|d| *d != "public") {
                let drop = Spi::get_one_with_args::<String>("SELECT format('DROP SCHEMA %I CASCADE', $1::text)", &[d.as_str().into()]).unwrap().unwrap();
                Spi::run(&drop).unwrap();
            }
            let drop = Spi::get_one_with_args::<String>("SELECT format('DROP SCHEMA %I CASCADE', $1::text)", &[name.as_str().into()]).unwrap().unwrap();
            Spi::run(&drop).unwrap();
        }
    }

    /// A migration script's ASCII spelling (`U&"…"` identifiers, `E'\u…'` literals) reads back
    /// as exactly the name it spells, whatever `standard_conforming_strings` is, for every
    /// hostile name and a few beyond the Basic Multilingual Plane.
    #[pg_test]
    fn the_ascii_spelling_reads_back_as_the_same_name() {
        assert_eq!(crate::sql::ascii_identifier("phoenix kit"), "\"phoenix kit\"");
        assert_eq!(crate::sql::ascii_identifier("pk_sc_ß€ü"), r#"U&"pk_sc_\00DF\20AC\00FC""#);
        assert_eq!(crate::sql::ascii_identifier("a\"b\\c\u{1F600}"), r#"U&"a""b\\c\+01F600""#);
        assert_eq!(crate::sql::ascii_literal("it's"), "'it''s'");
        assert_eq!(crate::sql::ascii_literal("ü'\\\u{1F600}"), r"E'\u00FC''\\\U0001F600'");
        let mut names = names();
        names.extend(["\u{1F600}x\"q'\\".to_string(), "ß€ü".to_string(), "\\0041".to_string(), "U&\"x\"".to_string()]);
        for conforming in ["on", "off"] {
            Spi::run(&format!("SET LOCAL standard_conforming_strings = {conforming}")).unwrap();
            for name in &names {
                let identifier = crate::sql::ascii_identifier(name);
                let literal = crate::sql::ascii_literal(name);
                assert!(identifier.is_ascii() && literal.is_ascii(), "{name:?}: {identifier} {literal}");
                let (column, value) = Spi::connect(|c| {
                    let table = c.select(&format!("SELECT {literal} AS {identifier}"), None, &[])?;
                    Ok::<_, pgrx::spi::Error>((table.column_name(1)?, table.first().get_one::<String>()?))
                })
                .unwrap_or_else(|e| panic!("{name:?} (standard_conforming_strings {conforming}): {e}"));
                assert_eq!(&column, name, "identifier {identifier}");
                assert_eq!(value.as_deref(), Some(name.as_str()), "literal {literal}");
            }
        }
    }
}
