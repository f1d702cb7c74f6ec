//! Cron schedules and time zones, checked the way the Kubernetes CronJob
//! validation checks them: five fields with the standard ranges and
//! names, or one of the `@hourly`-style macros, and an IANA time zone.

use std::str::FromStr;

/// The macros Kubernetes accepts in place of five fields.
const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names for values, the first standing for `min`.
    names: &'static [&'static str],
    question_mark: bool,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        question_mark: false,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        question_mark: false,
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        question_mark: true,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &MONTHS,
        question_mark: false,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &WEEKDAYS,
        question_mark: true,
    },
];

/// Checks a CronJob schedule.
pub fn check_schedule(schedule: &str) -> Result<(), String> {
    let trimmed = schedule.trim();
    let upper = trimmed.to_ascii_uppercase();
    if upper.starts_with("TZ=") || upper.starts_with("CRON_TZ=") {
        return Err(
            "sets its time zone with a `TZ=` prefix, which Kubernetes rejects; \
             set `timezone` instead"
                .into(),
        );
    }
    if trimmed.starts_with('@') {
        if MACROS.contains(&trimmed) {
            return Ok(());
        }
        return Err(format!(
            "is not a macro Kubernetes accepts; use one of {}",
            MACROS.join(", ")
        ));
    }
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
    if fields.len() != 5 {
        let hint = if fields.len() == 6 {
            "; a seconds field is not supported"
        } else {
            ""
        };
        return Err(format!(
            "has {} fields, but a schedule has five (minute hour day-of-month month \
             day-of-week){hint}",
            fields.len()
        ));
    }
    for (text, field) in fields.iter().zip(FIELDS.iter()) {
        check_field(text, field)?;
    }
    Ok(())
}

fn check_field(text: &str, field: &Field) -> Result<(), String> {
    for part in text.split(',') {
        check_part(part, field)
            .map_err(|reason| format!("has an invalid {} field `{text}`: {reason}", field.name))?;
    }
    Ok(())
}

fn check_part(part: &str, field: &Field) -> Result<(), String> {
    let range = match part.split_once('/') {
        Some((range, step)) => {
            let step: u32 = step
                .parse()
                .map_err(|_| format!("step `{step}` is not a number"))?;
            if step == 0 {
                return Err("a step must be at least 1".into());
            }
            range
        }
        None => part,
    };
    if range == "*" || (range == "?" && field.question_mark) {
        return Ok(());
    }
    let (start, end) = match range.split_once('-') {
        Some((start, end)) => (value(start, field)?, Some(value(end, field)?)),
        None => (value(range, field)?, None),
    };
    if let Some(end) = end
        && start > end
    {
        return Err(format!("the range starts at {start} but ends at {end}"));
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    if text.is_empty() {
        return Err("a value is missing".into());
    }
    let lower = text.to_ascii_lowercase();
    if let Some(position) = field.names.iter().position(|name| *name == lower) {
        return Ok(field.min + u32::try_from(position).unwrap_or(0));
    }
    let number: u32 = text.parse().map_err(|_| {
        if field.names.is_empty() {
            format!("`{text}` is not a number")
        } else {
            format!(
                "`{text}` is neither a number nor a name such as `{}`",
                field.names[0].to_ascii_uppercase()
            )
        }
    })?;
    if number < field.min || number > field.max {
        return Err(format!(
            "{number} is outside {} to {}",
            field.min, field.max
        ));
    }
    Ok(number)
}

/// Describes when a task runs, for people: its schedule and zone, or
/// once when enabled.
pub fn describe_when(schedule: Option<&str>, zone: Option<&str>) -> String {
    match (schedule, zone) {
        (Some(schedule), Some(zone)) => format!("{schedule} ({zone})"),
        (Some(schedule), None) => schedule.to_string(),
        (None, _) => "once, when enabled".to_string(),
    }
}

/// Checks a time zone against the IANA database.
pub fn check_time_zone(zone: &str) -> Result<(), String> {
    if zone.eq_ignore_ascii_case("local") {
        return Err(
            "is the machine's local zone, which Kubernetes rejects; name an \
             IANA zone such as `Europe/Berlin`"
                .into(),
        );
    }
    chrono_tz::Tz::from_str(zone).map(|_| ()).map_err(|_| {
        "is not a time zone of the IANA database; write a name such as \
         `Europe/Berlin` or `America/New_York`"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schedules_pass() {
        for schedule in [
            "0 9 * * 1-5",
            "*/15 * * * *",
            "0 0 1 JAN *",
            "30 6 * * MON-FRI",
            "0 0 ? * sun",
            "5,35 */2 1-15/3 * *",
            "@hourly",
            "@weekly",
            "@annually",
        ] {
            assert!(check_schedule(schedule).is_ok(), "{schedule}");
        }
    }

    #[test]
    fn invalid_schedules_fail() {
        for schedule in [
            "61 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "0 0 * * * *",
            "* * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "TZ=UTC 0 9 * * *",
            "CRON_TZ=Europe/Berlin 0 9 * * *",
            "@every 1h",
            "@HOURLY",
            "@Daily",
            "@often",
            "x * * * *",
            "? * * * *",
            "1, * * * *",
            "",
        ] {
            assert!(check_schedule(schedule).is_err(), "{schedule}");
        }
    }

    #[test]
    fn seconds_field_gets_its_own_hint() {
        let error = check_schedule("0 0 9 * * *").unwrap_err();
        assert!(error.contains("seconds"), "{error}");
    }

    #[test]
    fn time_zones_come_from_iana() {
        assert!(check_time_zone("Europe/Berlin").is_ok());
        assert!(check_time_zone("UTC").is_ok());
        assert!(check_time_zone("America/Argentina/Buenos_Aires").is_ok());
        assert!(check_time_zone("Mars/Olympus_Mons").is_err());
        assert!(check_time_zone("Local").is_err());
        assert!(check_time_zone("europe/berlin").is_err());
        assert!(check_time_zone("").is_err());
    }
}
