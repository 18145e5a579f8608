//! The planner fences of `sql/queries/` (`OFFSET 0`, each commented with the plan it
//! prevents), checked on the major the suite runs on: without a fence the planner must do
//! what the fence keeps it from (evaluate a per-row expression again for each of its uses, call
//! a rule function again, plan a look-up again), or the fence is dead weight and goes. What is
//! counted is work, not text: the expression's evaluations while the statement runs (through
//! a probe function of the test standing in for it), a rule function's calls, the subplans of
//! the plan. Fences that steer the planner's estimates at 10^5 rows and more (the candidates'
//! group count, the preview's joins) show only at those sizes: the benchmark's runs are their
//! check, named here so that every fence of the templates is accounted for.
#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::sql::{template, Fill, Hole};
    use crate::target::{Table, Target};
    use crate::test_support::*;
    use pgrx::prelude::*;

    /// What a fence keeps from happening: a number that grows when the fence is taken out.
    #[derive(Debug)]
    enum Witness {
        /// Evaluations of an expression while the statement runs: the statement's `text` is
        /// replaced by a call of the probe `pg_temp.<probe>` (PL/pgSQL, IMMUTABLE like the
        /// expression, so the planner may move it as it moves the expression), whose calls are
        /// counted.
        Evaluations { text: &'static str, probe: &'static str },
        /// Calls of one of the extension's rule functions while the statement runs (a SELECT).
        Calls(&'static str),
        /// Subplans in the plan (`SubPlan` nodes of `EXPLAIN`): a look-up planned once per use.
        SubPlans,
        /// Sort nodes whose rows carry this whole column (`EXPLAIN (VERBOSE)`): a wide sort.
        SortCarries(&'static str),
        /// The fence of another template, checked in that template's own statement.
        Elsewhere,
        /// Shows only in the planner's estimates at the benchmark's sizes (the reason).
        AtScale(&'static str),
    }
    use Witness::*;

    /// Byte offsets of the fences in `sql`'s code (not in its comments).
    fn fences(sql: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut offset = 0;
        for line in sql.split_inclusive('\n') {
            let code = line.split("--").next().unwrap_or("");
            let mut from = 0;
            while let Some(at) = code[from..].find("OFFSET 0") {
                out.push(offset + from + at);
                from += at + "OFFSET 0".len();
            }
            offset += line.len();
        }
        out
    }

    /// Calls of `function` made while `sql` runs as a whole (`track_functions` is `all`).
    fn calls_while_running(sql: &str, function: &str) -> usize {
        let calls = || one::<i64>(&format!("SELECT COALESCE(pg_stat_get_xact_function_calls('{function}'::regproc), 0)")).unwrap();
        let before = calls();
        // The whole row: an output column nothing reads would not be computed at all.
        Spi::run(&format!("SELECT count(q.*) FROM ({sql}) q")).unwrap();
        (calls() - before) as usize
    }

    fn measure(sql: &str, witness: &Witness) -> usize {
        match witness {
            Evaluations { text, probe } => {
                assert!(sql.contains(text), "the statement has no {text}");
                let name = probe.split('(').next().unwrap();
                calls_while_running(&sql.replace(text, &format!("pg_temp.{probe}")), &format!("pg_temp.{name}"))
            }
            Calls(function) => calls_while_running(sql, &format!("phoenix_kit_mig_internal.{function}")),
            SubPlans => explain_lines(&format!("EXPLAIN (COSTS OFF) {sql}")).iter().filter(|line| line.trim_start().starts_with("SubPlan")).count(),
            SortCarries(column) => {
                let plan = explain_lines(&format!("EXPLAIN (VERBOSE, COSTS OFF) {sql}"));
                let carries =
                    |output: &str| output.split(", ").any(|item| item.strip_suffix(column).is_some_and(|a| a.ends_with('.') && !a.contains([' ', '('])));
                plan.windows(2)
                    .filter(|pair| pair[0].trim_start().trim_start_matches("->").trim_start().starts_with("Sort"))
                    .filter(|pair| pair[1].trim_start().strip_prefix("Output: ").is_some_and(carries))
                    .count()
            }
            Elsewhere | AtScale(_) => unreachable!(),
        }
    }

    fn explain_lines(explain: &str) -> Vec<String> {
        Spi::connect(|c| {
            let rows = c.select(explain, None, &[])?;
            Ok::<_, pgrx::spi::Error>(rows.filter_map(|r| r.get::<String>(1).ok().flatten()).collect())
        })
        .unwrap()
    }

    /// Each fence of `sql`, in order, against its witness: the witness grows when that fence
    /// alone is taken out.
    fn check(what: &str, sql: &str, witnesses: &[Witness]) -> usize {
        let at = fences(sql);
        assert_eq!(at.len(), witnesses.len(), "{what}: {} fences, {} witnesses", at.len(), witnesses.len());
        let mut own = 0;
        for (n, (at, witness)) in at.iter().zip(witnesses).enumerate() {
            if matches!(witness, Elsewhere) {
                continue;
            }
            own += 1;
            if let AtScale(reason) = witness {
                assert!(!reason.is_empty(), "{what}: fence {} needs the reason it is not checked here", n + 1);
                continue;
            }
            let unfenced = format!("{}        {}", &sql[..*at], &sql[at + "OFFSET 0".len()..]);
            let (with, without) = (measure(sql, witness), measure(&unfenced, witness));
            assert!(with < without, "{what}: fence {} ({witness:?}) no longer changes the plan: {with} with it, {without} without", n + 1);
        }
        own
    }

    #[pg_test]
    fn each_fence_still_prevents_the_plan_it_is_there_for() {
        Spi::run("SET LOCAL track_functions = 'all'; SET LOCAL enable_nestloop = off; SET LOCAL search_path = pg_catalog, pg_temp").unwrap();
        // The probes: each the expression it stands in for, counted.
        Spi::run(
            "CREATE FUNCTION pg_temp.pk_probe_field(v jsonb, k text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN v -> k; END';
             CREATE FUNCTION pg_temp.pk_probe_typeof(v jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN jsonb_typeof(v); END';
             CREATE FUNCTION pg_temp.pk_probe_text(v jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN v #>> ''{}''; END';
             CREATE FUNCTION pg_temp.pk_probe_colon(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN strpos(v, '':'') > 0; END'",
        )
        .unwrap();
        let tables = [Table::Kit, Table::Settings, Table::Endpoints];
        let mut checked = 0;

        fixture("public", 113);
        Spi::run("SELECT pg_temp.pk_fixture_sample('public')").unwrap();
        let t = Target::resolve("public", &tables).unwrap();
        checked += check(
            "v114_up_plan",
            crate::v114::up_plan_sql(&t).as_str(),
            &[
                Evaluations { text: "s.value_json -> 'provider'", probe: "pk_probe_field(s.value_json, 'provider')" },
                Evaluations { text: "jsonb_typeof(x.pv)", probe: "pk_probe_typeof(x.pv)" },
                Evaluations { text: "b.pv #>> '{}'", probe: "pk_probe_text(b.pv)" },
                Calls("pk_v114_provider"),
            ],
        );

        Spi::run("SET LOCAL search_path = public; SELECT pk_migrate_v114_up('public'); SET LOCAL search_path = pg_catalog, pg_temp").unwrap();
        let t = Target::resolve("public", &tables).unwrap();
        checked += check("v114_down_plan", crate::v114::down_plan_sql(&t).as_str(), &[SortCarries("value_json"), SubPlans]);

        fixture("public", 106);
        Spi::run("SELECT pg_temp.pk_fixture_sample('public')").unwrap();
        let t = Target::resolve("public", &tables).unwrap();
        let candidates = "the provider's group count: taken from the key's at 10^5 keys, the candidates are sorted instead of hashed";
        checked += check(
            "v107_up_plan",
            crate::v107::up_plan_sql(&t, false).as_str(),
            &[AtScale(candidates), Calls("pk_text_to_uuid"), Evaluations { text: "strpos(u.provider, ':') > 0", probe: "pk_probe_colon(u.provider)" }],
        );

        Spi::run("ALTER TABLE public.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid uuid").unwrap();
        let t = Target::resolve("public", &tables).unwrap();
        let apply = t.render(template!("v107_up_apply"), &[(Hole::Plan, Fill::Statement(&crate::v107::up_plan_sql(&t, true)))]);
        checked += check("v107_up_apply", apply.as_str(), &[Elsewhere, Elsewhere, Elsewhere, SubPlans]);

        let preview = crate::v107::up_preview_sql(&t, true);
        checked += check(
            "v107_up_preview",
            preview.as_str(),
            &[
                Elsewhere,
                Elsewhere,
                Elsewhere,
                AtScale("the joins below the plan: its look-ups are estimated per endpoint, not once"),
                AtScale("the ranking's look-ups: estimated once per endpoint of the join, not per provider"),
            ],
        );

        // Every fence of every template is one of those.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/queries");
        let in_templates: usize = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .map(|p| fences(&std::fs::read_to_string(p).unwrap()).len())
            .sum();
        assert_eq!(checked, in_templates, "a fence of sql/queries/ is not accounted for here");
    }
}
