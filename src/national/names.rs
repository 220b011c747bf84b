//! Finding a municipality by what a planner types: a code (`40205`, or six digits with the check
//! digit), a name (`飯塚市`), a prefecture and a name where the name is not unique (`福島県伊達市`,
//! `福島県 伊達市`, `福島 伊達市`), or a former code or name from the code changes since 1970
//! (`40305`, `那珂川町` → 那珂川市; `山田市` → 嘉麻市), accepted with a note saying what became of
//! it. Anything else is an error that lists the candidates (an ambiguous name) or the closest
//! names (a near miss such as `飯塚`). The bundle has names in kanji and kana as written, not
//! their readings, so a reading typed in kana (`いいづか`) finds only names written that way.

use super::{Bundle, Municipality};
use crate::error::{Error, Result};

/// A municipality found, with a note when it was found through a former code or name.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    /// The municipality.
    pub municipality: &'a Municipality,
    /// What the input stood for, when it is not today's code or name.
    pub note: Option<String>,
}

/// `name (prefecture, code)`, as candidates are listed.
pub fn describe(m: &Municipality) -> String {
    format!("{} ({}, {})", m.name, m.prefecture, m.code)
}

/// Fold full-width digits and spaces, and drop spaces and the separators `/`, `・`, `　`.
fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            ' ' | '\u{3000}' | '/' | '／' | '・' | '\t' => None,
            c => Some(c),
        })
        .collect()
}

/// The prefecture name without 都, 府 or 県 (北海道 stays as it is).
fn short_prefecture(p: &str) -> &str {
    if p == "北海道" {
        return p;
    }
    p.strip_suffix(['都', '府', '県']).unwrap_or(p)
}

/// The check digit of a five-digit municipal code (総務省 全国地方公共団体コード).
fn check_digit(code: &str) -> Option<u32> {
    let d: Vec<u32> = code
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if d.len() != 5 {
        return None;
    }
    let s: u32 = d.iter().zip([6, 5, 4, 3, 2]).map(|(a, w)| a * w).sum();
    let r = s % 11;
    Some(if r == 0 { 0 } else { (11 - r) % 10 })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Bundle {
    /// The municipality whose code today or in the bundle's tables is `code`.
    pub fn by_code(&self, code: &str) -> Option<&Municipality> {
        self.municipalities
            .iter()
            .find(|m| m.code == code || m.data_code == code)
    }

    /// Today's municipalities that a former code led to (following every later change), with
    /// the chain's last change, for the note.
    fn successors(&self, code: &str) -> Vec<(&Municipality, &super::CodeChange)> {
        let mut out: Vec<(&Municipality, &super::CodeChange)> = Vec::new();
        let mut frontier: Vec<(String, Option<&super::CodeChange>)> =
            vec![(code.to_string(), None)];
        let mut steps = 0;
        while let Some((c, via)) = frontier.pop() {
            steps += 1;
            if steps > 200 {
                break; // the changes form no long chains; this only bounds a damaged table
            }
            if let (Some(m), Some(via)) = (self.by_code(&c), via) {
                if !out.iter().any(|(o, _)| o.code == m.code) {
                    out.push((m, via));
                }
                continue;
            }
            let date = via.map(|v| v.date.as_str()).unwrap_or("");
            for ch in self
                .changes
                .iter()
                .filter(|ch| ch.old_code == c && ch.new_code != c && ch.date.as_str() >= date)
            {
                frontier.push((ch.new_code.clone(), Some(ch)));
            }
        }
        out
    }

    /// Resolve what a planner typed (see the module doc).
    pub fn find(&self, place: &str) -> Result<Found<'_>> {
        let q = normalise(place);
        if q.is_empty() {
            return Err(Error::Invalid(
                "PLACE is empty: expected a municipal code such as 40205 or a name such as 飯塚市"
                    .into(),
            ));
        }
        if q.chars().all(|c| c.is_ascii_digit()) {
            return self.find_code(&q);
        }
        let current: Vec<&Municipality> =
            self.municipalities.iter().filter(|m| m.name == q).collect();
        match current.as_slice() {
            [one] => {
                let others: Vec<String> = self
                    .former_name(&q, None)
                    .into_iter()
                    .filter(|(m, _)| m.code != one.code)
                    .map(|(m, ch)| format!("{} ({}) is {} since {}", ch.old_name, ch.old_code, describe(m), ch.date))
                    .collect();
                return Ok(Found {
                    municipality: one,
                    note: (!others.is_empty()).then(|| {
                        format!("{q} is {} today; also, {}", describe(one), others.join("; "))
                    }),
                });
            }
            [] => {}
            many => {
                return Err(Error::Invalid(format!(
                    "\"{place}\" names {} municipalities: {}; write the prefecture before the name (e.g. {}{}) or the code",
                    many.len(),
                    many.iter().map(|m| describe(m)).collect::<Vec<_>>().join(", "),
                    many[0].prefecture,
                    many[0].name
                )))
            }
        }
        // A prefecture before the name.
        for (pcode, pname) in &self.prefectures {
            for prefix in [pname.as_str(), short_prefecture(pname)] {
                let Some(rest) = q.strip_prefix(prefix) else {
                    continue;
                };
                if rest.is_empty() {
                    return Err(Error::Invalid(format!(
                        "\"{place}\" is a prefecture: expected a municipality; `jinko init --list {pname}` lists its {} municipalities",
                        self.municipalities.iter().filter(|m| &m.prefecture_code == pcode).count()
                    )));
                }
                if let Some(m) = self
                    .municipalities
                    .iter()
                    .find(|m| &m.prefecture_code == pcode && m.name == rest)
                {
                    return Ok(Found {
                        municipality: m,
                        note: None,
                    });
                }
                if let Some(found) = self.found_former(place, rest, Some(pcode))? {
                    return Ok(found);
                }
            }
        }
        if let Some(found) = self.found_former(place, &q, None)? {
            return Ok(found);
        }
        Err(Error::Invalid(self.not_found(place, &q)))
    }

    /// Today's municipalities that carried the former name `name` (in prefecture `pref`).
    fn former_name(
        &self,
        name: &str,
        pref: Option<&str>,
    ) -> Vec<(&Municipality, &super::CodeChange)> {
        let mut out: Vec<(&Municipality, &super::CodeChange)> = Vec::new();
        for ch in self
            .changes
            .iter()
            .filter(|ch| ch.old_name == name && pref.is_none_or(|p| ch.old_code.starts_with(p)))
        {
            for (m, _) in self.successors(&ch.old_code) {
                if !out.iter().any(|(o, _)| o.code == m.code) {
                    out.push((m, ch));
                }
            }
        }
        out
    }

    fn found_former(
        &self,
        place: &str,
        name: &str,
        pref: Option<&str>,
    ) -> Result<Option<Found<'_>>> {
        let hits = self.former_name(name, pref);
        match hits.as_slice() {
            [] => Ok(None),
            [(m, ch)] => Ok(Some(Found {
                municipality: m,
                note: Some(format!(
                    "{} ({}) is {} since {}",
                    ch.old_name,
                    ch.old_code,
                    describe(m),
                    ch.date
                )),
            })),
            many => Err(Error::Invalid(format!(
                "\"{place}\" is a former name of several of today's municipalities: {}; write the prefecture before the name or the code",
                many.iter()
                    .map(|(m, ch)| format!("{} ({}) → {}", ch.old_name, ch.old_code, describe(m)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn find_code(&self, q: &str) -> Result<Found<'_>> {
        let code = match q.len() {
            5 => q.to_string(),
            6 => {
                let (five, last) = q.split_at(5);
                if check_digit(five) != last.parse().ok() {
                    return Err(Error::Invalid(format!(
                        "\"{q}\": the last digit is not the check digit of {five} (expected {}): write the five-digit code",
                        check_digit(five).unwrap_or(0)
                    )));
                }
                five.to_string()
            }
            2 => {
                return Err(Error::Invalid(format!(
                    "\"{q}\" is a prefecture code: expected a five-digit municipal code; `jinko init --list {q}` lists the prefecture"
                )))
            }
            _ => {
                return Err(Error::Invalid(format!(
                    "\"{q}\": expected a five-digit municipal code such as 40205 (six digits with the check digit)"
                )))
            }
        };
        if let Some(m) = self.by_code(&code) {
            let note = (m.code != code).then(|| match &m.renamed {
                Some((date, old, old_name)) => {
                    format!("{old_name} ({old}) is {} since {date}", describe(m))
                }
                None => format!("{code} is {}", describe(m)),
            });
            return Ok(Found {
                municipality: m,
                note,
            });
        }
        let hits = self.successors(&code);
        match hits.as_slice() {
            [] => Err(Error::Invalid(format!(
                "no municipality has the code {code}, today or in the code changes since 1970: `jinko init --list PREFECTURE` lists the codes"
            ))),
            [(m, ch)] => Ok(Found {
                municipality: m,
                note: Some(format!(
                    "the code {code} is {} since {} ({} {} → {})",
                    describe(m),
                    ch.date,
                    ch.reason,
                    ch.old_name,
                    ch.new_name
                )),
            }),
            many => Err(Error::Invalid(format!(
                "the former code {code} was divided among {}: choose one",
                many.iter().map(|(m, _)| describe(m)).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The message for a place not found: the closest names.
    fn not_found(&self, place: &str, q: &str) -> String {
        let mut scored: Vec<(usize, &Municipality)> = self
            .municipalities
            .iter()
            .filter_map(|m| {
                let stem = m.name.trim_end_matches(['市', '町', '村', '区']);
                let score = if m.name.starts_with(q) || q.starts_with(stem) && !stem.is_empty() {
                    0
                } else if m.name.contains(q) {
                    1
                } else {
                    let d = edit_distance(q, &m.name);
                    if d <= 2 && d < m.name.chars().count() {
                        1 + d
                    } else {
                        return None;
                    }
                };
                Some((score, m))
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(&b.1.code)));
        let kana = q.chars().all(|c| ('\u{3041}'..='\u{30ff}').contains(&c));
        let hint = if kana {
            " (names are matched as written; the bundle has no readings, so type the name in kanji)"
        } else {
            ""
        };
        if scored.is_empty() {
            format!("no municipality named \"{place}\"{hint}: expected a code such as 40205 or a name such as 飯塚市; `jinko init --list 福岡県` lists a prefecture")
        } else {
            format!(
                "no municipality named \"{place}\"{hint}; the closest: {}",
                scored
                    .iter()
                    .take(8)
                    .map(|(_, m)| describe(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// The municipalities of a prefecture given by name (`福岡県`, `福岡`) or code (`40`).
    pub fn prefecture(&self, which: &str) -> Result<(&str, Vec<&Municipality>)> {
        let q = normalise(which);
        let q = if q.len() == 1 && q.chars().all(|c| c.is_ascii_digit()) {
            format!("0{q}")
        } else {
            q
        };
        let Some((code, name)) = self
            .prefectures
            .iter()
            .find(|(c, n)| *c == q || *n == q || short_prefecture(n) == q)
        else {
            return Err(Error::Invalid(format!(
                "\"{which}\" is not a prefecture: expected a name such as 福岡県 or a code from 01 to 47"
            )));
        };
        Ok((
            name,
            self.municipalities
                .iter()
                .filter(|m| &m.prefecture_code == code)
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_codes() {
        // 札幌市 011002, 嘉麻市 402273, 千代田区 131016 (総務省 全国地方公共団体コード).
        assert_eq!(check_digit("01100"), Some(2));
        assert_eq!(check_digit("40227"), Some(3));
        assert_eq!(check_digit("13101"), Some(6));
    }

    #[test]
    fn normalising_folds_width_and_spaces() {
        assert_eq!(normalise(" ４０２０５ "), "40205");
        assert_eq!(normalise("福島県　伊達市"), "福島県伊達市");
        assert_eq!(edit_distance("飯塚", "飯塚市"), 1);
    }
}
