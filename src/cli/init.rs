//! `jinko init PLACE [--out DIR]`: write the data pack of any municipality from the national
//! bundle (a code, a name, `県 + 名`, or a former code or name), ready for every command;
//! `jinko init --list PREFECTURE` lists a prefecture's municipalities with their codes.

use crate::national::names::describe;
use crate::national::Bundle;
use crate::output::table::{Align, Table};
use std::path::PathBuf;

/// Arguments of `jinko init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The municipality: a code (40205), a name (飯塚市), 県 + 名 (福島県伊達市), or a former
    /// code or name (40305, 富谷町).
    #[arg(required_unless_present = "list")]
    pub place: Option<String>,
    /// The folder to write (default: a new folder named after the municipality, e.g. 飯塚市).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// List the municipalities of a prefecture (福岡県, 福岡 or 40) instead.
    #[arg(long, value_name = "PREFECTURE", conflicts_with_all = ["place", "out"])]
    pub list: Option<String>,
}

/// Run `jinko init`.
pub fn run(args: &InitArgs) -> crate::Result<()> {
    let bundle = Bundle::get()?;
    if let Some(pref) = &args.list {
        let (name, list) = bundle.prefecture(pref)?;
        let mut t = Table::new(&[
            ("コード", Align::Left),
            ("市区町村", Align::Left),
            ("2015年人口", Align::Right),
            ("社人研推計(平成30年)", Align::Left),
        ]);
        for m in &list {
            let base = bundle
                .census(m)
                .get(&crate::national::pack::BASE_YEAR)
                .map(|c| c.total(crate::grid::AgeGroups::JAPAN))
                .unwrap_or(0.0);
            t.row(vec![
                m.code.clone(),
                m.name.clone(),
                crate::output::projection::persons(base),
                if m.ipss_h30 {
                    "あり"
                } else {
                    "なし（県全体のみ）"
                }
                .into(),
            ]);
        }
        print!("{name}: {}市区町村\n{}", list.len(), t.render());
        return Ok(());
    }
    let place = args.place.as_deref().unwrap_or_default();
    let found = bundle.find(place)?;
    let m = found.municipality;
    if let Some(note) = &found.note {
        eprintln!("note: {note}");
    }
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from(&m.name));
    let written = bundle.write_pack(m, &dir)?;
    println!(
        "{} のデータパックを {} に書きました ({} files):",
        describe(m),
        shown(&dir),
        written.len()
    );
    for p in &written {
        if let Some(n) = p.file_name() {
            println!("  {}", n.to_string_lossy());
        }
    }
    if !m.ipss_h30 {
        println!("注: 社人研の平成30年推計は{}を個別に推計していないため, パターン1は2010→2015年の国勢調査の変化率による推計です。", m.prefecture);
    }
    println!("次に: jinko project {}", shown(&dir.join("pattern1.toml")));
    println!(
        "      jinko compare {} {} {}",
        shown(&dir.join("pattern1.toml")),
        shown(&dir.join("sim1.toml")),
        shown(&dir.join("sim2.toml"))
    );
    if dir.join("pattern1-r5.toml").exists() {
        println!(
            "      jinko compare {} {} {}   # 2020年基準（令和5年推計準拠・推定）",
            shown(&dir.join("pattern1-r5.toml")),
            shown(&dir.join("sim1-r5.toml")),
            shown(&dir.join("sim2-r5.toml"))
        );
    }
    Ok(())
}

/// A path as the user would type it: no `./` components.
fn shown(p: &std::path::Path) -> String {
    let tidy = crate::input::without_cur_dir(p);
    if tidy.as_os_str().is_empty() {
        ".".into()
    } else {
        tidy.display().to_string()
    }
}
