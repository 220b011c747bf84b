//! Hostile input for the keys of the 2020 basis (issue 11): `base = "summary"`, `calibrate =
//! "summary"` and the projection summary they read (`ipss_r5_projection_summary.csv`). Each one is
//! exit code 2 with one error naming the file, the line where there is one, and the field.

use super::{fails, run, Pack};

const SUMMARY: &str = "ipss_r5_projection_summary.csv";

fn project(pack: &Pack, file: &str) -> super::Run {
    run(&[&"project", &pack.path(file)])
}

/// The line number (1-based) of the summary row of `year` in the shipped file.
fn row_line(pack: &Pack, year: i32) -> (usize, String) {
    let text = std::fs::read_to_string(pack.path(SUMMARY)).unwrap();
    let (i, l) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with(&format!("{year},")))
        .unwrap();
    (i + 1, l.to_string())
}

#[test]
fn base_summary_on_a_pack_without_a_summary_names_the_base_key() {
    let pack = Pack::new();
    pack.edit(
        "pack.toml",
        "projection_summary = \"ipss_r5_projection_summary.csv\"\n",
        "",
    );
    let text = std::fs::read_to_string(pack.path("ipss-r5.toml")).unwrap();
    let line = 1 + text.lines().position(|l| l.starts_with("base = ")).unwrap();
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[
            "ipss-r5.toml",
            &format!("line {line}"),
            "field `base`",
            "files.projection_summary",
        ],
    );
}

#[test]
fn base_summary_without_the_base_year_row_names_the_summary_file() {
    let pack = Pack::new();
    let (_, row) = row_line(&pack, 2020);
    pack.edit(SUMMARY, &format!("{row}\n"), "");
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[SUMMARY, "field `year`", "2020", "2025 … 2050"],
    );
    // Header only: the file is named too.
    let header = "year,total,age_0_14,age_15_64,age_65_plus\n";
    pack.write(SUMMARY, header);
    fails(&project(&pack, "ipss-r5.toml"), &[SUMMARY, "no rows"]);
}

#[test]
fn calibrate_with_a_bad_value_names_its_line_and_field() {
    let pack = Pack::new();
    pack.write(
        "c.toml",
        "extends = \"ipss-r5.toml\"\ncalibrate = \"summry\"\n",
    );
    fails(
        &project(&pack, "c.toml"),
        &["c.toml", "line 2", "field `calibrate`", "`summary`"],
    );
    pack.write("c.toml", "extends = \"ipss-r5.toml\"\ncalibrate = 1\n");
    fails(
        &project(&pack, "c.toml"),
        &["c.toml", "line 2", "field `calibrate`"],
    );
}

#[test]
fn calibrate_on_a_base_other_than_summary_is_refused() {
    let pack = Pack::new();
    pack.scenario("c.toml", "calibrate = \"summary\"\n");
    fails(
        &project(&pack, "c.toml"),
        &[
            "c.toml",
            "line 2",
            "field `calibrate`",
            "expected base = \"summary\"",
            "found base = \"projection\"",
        ],
    );
    pack.scenario(
        "e.toml",
        "base_year = 2020\nbase = \"estimated\"\ncalibrate = \"summary\"\n",
    );
    fails(
        &project(&pack, "e.toml"),
        &["e.toml", "line 4", "field `calibrate`", "\"estimated\""],
    );
}

#[test]
fn calibrate_misspelt_as_a_key_is_an_unknown_field() {
    let pack = Pack::new();
    pack.write(
        "c.toml",
        "extends = \"ipss-r5.toml\"\ncalibration = \"summary\"\n",
    );
    fails(
        &project(&pack, "c.toml"),
        &[
            "c.toml",
            "line 2",
            "field `calibration`",
            "unknown field",
            "`calibrate`",
        ],
    );
}

#[test]
fn summary_with_nan_names_line_and_field() {
    let pack = Pack::new();
    let (line, row) = row_line(&pack, 2035);
    let mut cells: Vec<&str> = row.split(',').collect();
    cells[1] = "NaN";
    pack.edit(SUMMARY, &row, &cells.join(","));
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[SUMMARY, &format!("line {line}, field `total`"), "finite"],
    );
}

#[test]
fn summary_with_a_negative_group_names_line_and_field() {
    let pack = Pack::new();
    let (line, row) = row_line(&pack, 2040);
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    cells[3] = format!("-{}", cells[3]);
    pack.edit(SUMMARY, &row, &cells.join(","));
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[
            SUMMARY,
            &format!("line {line}, field `age_15_64`"),
            "0 or more",
        ],
    );
}

#[test]
fn summary_missing_a_year_inside_its_span_names_the_year() {
    let pack = Pack::new();
    let (_, row) = row_line(&pack, 2035);
    pack.edit(SUMMARY, &format!("{row}\n"), "");
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[SUMMARY, "field `year`", "no year 2035", "every fifth year"],
    );
    // The same through compare and report, which read the pack of the first scenario.
    fails(
        &run(&[&"compare", &pack.path("ipss-r5.toml")]),
        &[SUMMARY, "2035"],
    );
}

#[test]
fn summary_whose_groups_do_not_add_up_names_the_year() {
    let pack = Pack::new();
    let (_, row) = row_line(&pack, 2045);
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    let old: f64 = cells[4].parse().unwrap();
    cells[4] = format!("{}", old + 10.0);
    pack.edit(SUMMARY, &row, &cells.join(","));
    fails(
        &project(&pack, "ipss-r5.toml"),
        &[SUMMARY, "2045", "sum to", "consistent"],
    );
}
