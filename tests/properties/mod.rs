//! Property tests over random valid inputs: the accounting identity holds to 1e-9 relative for
//! every method and migration form, and no population is ever negative.

use crate::common::{prec, rel};
use jinko::engine::{project, FertilityMethod, MigrationForm, Model, Period, Timing};
use jinko::grid::{AgeGroups, MAX_AGES};
use proptest::prelude::*;

fn form(i: u8) -> (FertilityMethod, MigrationForm) {
    let f = if i & 1 == 0 {
        FertilityMethod::Cwr
    } else {
        FertilityMethod::Asfr
    };
    let m = match (i >> 1) % 3 {
        0 => MigrationForm::Rates,
        1 => MigrationForm::Counts(Timing::Even),
        _ => MigrationForm::Counts(Timing::End),
    };
    (f, m)
}

prop_compose! {
    fn period(start: i32, rates: bool)(
        surv in prop::collection::vec(0.0f64..=1.0, 2 * MAX_AGES),
        bsurv in prop::array::uniform2(0.9f64..=1.0),
        cwr in 0.0f64..0.5,
        sigma in 0.9f64..1.2,
        asfr in prop::collection::vec(0.0f64..0.2, 7),
        mig in prop::collection::vec(-1.0f64..1.0, 2 * MAX_AGES),
        scale in 0.0f64..400.0,
    ) -> Period {
        let mut p = Period::null(start);
        for s in 0..2 {
            for a in 0..MAX_AGES {
                p.survival[s][a] = surv[s * MAX_AGES + a];
                // rates from -1 to +1; counts up to ±scale persons (may exceed a cohort: clamped)
                p.migration[s][a] = if rates { mig[s * MAX_AGES + a] } else { mig[s * MAX_AGES + a] * scale };
            }
        }
        p.birth_survival = bsurv;
        p.cwr = cwr;
        p.sex_ratio = sigma;
        for (i, v) in asfr.iter().enumerate() {
            p.asfr[3 + i] = *v;
        }
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn identity_and_non_negative(
        kind in 0u8..6,
        open in prop::sample::select(vec![85u32, 90, 100]),
        base in prop::collection::vec(0.0f64..5000.0, 2 * MAX_AGES),
        p0 in period(2020, true), p1 in period(2025, true), p2 in period(2030, true),
        c0 in period(2020, false), c1 in period(2025, false), c2 in period(2030, false),
    ) {
        let (fertility, migration) = form(kind);
        let ages = AgeGroups::with_open_start(open).unwrap();
        let periods = if migration == MigrationForm::Rates { vec![p0, p1, p2] } else { vec![c0, c1, c2] };
        let model = Model { ages, fertility, migration, base_year: 2020, periods };
        let mut b = [[0.0; MAX_AGES]; 2];
        for s in 0..2 {
            for a in 0..ages.len() {
                b[s][a] = base[s * MAX_AGES + a];
            }
        }
        let p = project(&model, &b).unwrap();
        for k in 0..p.components.len() {
            let c = p.components[k];
            let lhs = p.total(k + 1);
            let rhs = p.total(k) + c.total_births() - c.total_deaths() + c.total_net_migration();
            let scale = lhs.abs().max(p.total(k)).max(1.0);
            prop_assert!((lhs - rhs).abs() / scale <= prec::IDENTITY_REL, "period {}: {} vs {} ({})", k, lhs, rhs, rel(lhs, rhs));
            for s in 0..2 {
                for a in 0..ages.len() {
                    prop_assert!(p.population[k + 1][s][a] >= 0.0);
                }
            }
            prop_assert_eq!(c.clamped > 0, c.first_clamped.is_some());
        }
        prop_assert_eq!(p.warnings.len(), p.components.iter().filter(|c| c.clamped > 0).count());
    }
}
