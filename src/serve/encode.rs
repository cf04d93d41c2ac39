//! A small text encoder for metric families: OpenMetrics 1.0 when the scraper
//! asks for it, else the Prometheus text format 0.0.4. Only gauges and
//! histograms: `promtool check metrics` reads both forms of those cleanly,
//! while it misreads an OpenMetrics counter's `_total` sample as a family of
//! its own without help text.

use std::fmt::Write;

use super::histogram::Histogram;

/// Label pairs of one sample, in the order they are written.
pub type Labels = Vec<(&'static str, String)>;

/// One metric family: its name, help, unit and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: &'static str,
    /// One line, no double quotes: the Prometheus text format has no escape for them in HELP.
    pub help: &'static str,
    /// The base unit the name ends with (`seconds`, `ratio`), written as `# UNIT` in OpenMetrics.
    pub unit: Option<&'static str>,
    pub points: Points,
}

/// The samples of a family, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Points {
    Gauge(Vec<(Labels, f64)>),
    Histogram(Vec<(Labels, Histogram)>),
}

impl Family {
    pub fn gauge(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            unit: None,
            points: Points::Gauge(Vec::new()),
        }
    }

    pub fn histogram(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            unit: None,
            points: Points::Histogram(Vec::new()),
        }
    }

    /// Names the unit; the name must end with it (OpenMetrics requires that).
    pub fn unit(mut self, unit: &'static str) -> Family {
        debug_assert!(self.name.ends_with(unit), "{} must end with its unit {unit}", self.name);
        self.unit = Some(unit);
        self
    }

    /// Adds a gauge sample; a value that is not a number is left out rather than written as NaN.
    pub fn set(&mut self, labels: Labels, value: f64) {
        if let Points::Gauge(points) = &mut self.points
            && !value.is_nan()
        {
            points.push((labels, value));
        }
    }

    pub fn observe(&mut self, labels: Labels, histogram: Histogram) {
        if let Points::Histogram(points) = &mut self.points {
            points.push((labels, histogram));
        }
    }

    fn type_name(&self) -> &'static str {
        match self.points {
            Points::Gauge(_) => "gauge",
            Points::Histogram(_) => "histogram",
        }
    }
}

/// The two exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OpenMetrics,
    Prometheus,
}

impl Format {
    /// OpenMetrics when the `Accept` header names it (as Prometheus does),
    /// else the classic text format every tool reads.
    pub fn negotiate(accept: Option<&str>) -> Format {
        let wants_om = accept.is_some_and(|a| {
            a.split(',').any(|part| {
                let mut params = part.split(';').map(str::trim);
                let media = params.next().unwrap_or_default();
                let refused = params.any(|p| p.replace(' ', "") == "q=0");
                media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
            })
        });
        if wants_om {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

/// The exposition of `families`, in order, in `format`.
pub fn encode(families: &[Family], format: Format) -> String {
    let mut out = String::with_capacity(families.len() * 256);
    for family in families {
        write_family(&mut out, family, format);
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn write_family(out: &mut String, family: &Family, format: Format) {
    let name = family.name;
    let _ = writeln!(out, "# HELP {name} {}", escape_help(family.help, format));
    let _ = writeln!(out, "# TYPE {name} {}", family.type_name());
    if let (Some(unit), Format::OpenMetrics) = (family.unit, format) {
        let _ = writeln!(out, "# UNIT {name} {unit}");
    }
    match &family.points {
        Points::Gauge(points) => {
            for (labels, value) in points {
                write_sample(out, name, "", labels, None, &number(*value));
            }
        }
        Points::Histogram(points) => {
            for (labels, h) in points {
                for (bound, count) in h.cumulative() {
                    write_sample(out, name, "_bucket", labels, Some(&le(bound)), &count.to_string());
                }
                write_sample(out, name, "_bucket", labels, Some("+Inf"), &h.count().to_string());
                write_sample(out, name, "_sum", labels, None, &number(h.sum()));
                write_sample(out, name, "_count", labels, None, &h.count().to_string());
            }
        }
    }
}

fn write_sample(out: &mut String, name: &str, suffix: &str, labels: &Labels, le: Option<&str>, value: &str) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let pairs = labels
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(le.map(|v| ("le", v)));
        for (i, (key, value)) in pairs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// Label values escape backslash, double quote and newline (both formats).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP escapes backslash and newline; OpenMetrics also double quotes,
/// which the Prometheus text format has no escape for.
fn escape_help(text: &str, format: Format) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if format == Format::OpenMetrics => out.push_str("\\\""),
            '"' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

/// A sample value both parsers read: integers without a fraction, infinities spelled out.
fn number(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    format!("{v}")
}

/// A bucket bound in OpenMetrics' canonical form: always with a fraction ("1.0", "0.05").
fn le(bound: f64) -> String {
    if bound.fract() == 0.0 {
        format!("{bound:.1}")
    } else {
        format!("{bound}")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn labels(pairs: &[(&'static str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn label_values_escape_quotes_backslashes_and_newlines() {
        let mut f = Family::gauge("mops_x", "X.");
        f.set(labels(&[("title", "Say \"hi\"\\now\nplease")]), 1.0);
        let text = encode(&[f], Format::Prometheus);
        assert!(text.contains(r#"mops_x{title="Say \"hi\"\\now\nplease"} 1"#), "{text}");
        assert_eq!(text.lines().count(), 3, "the newline stays inside the label: {text}");
    }

    #[test]
    fn openmetrics_has_units_and_ends_with_eof() {
        let mut f = Family::gauge("mops_age_seconds", "Age.").unit("seconds");
        f.set(Vec::new(), 2.5);
        let om = encode(std::slice::from_ref(&f), Format::OpenMetrics);
        assert_eq!(
            om,
            "# HELP mops_age_seconds Age.\n# TYPE mops_age_seconds gauge\n# UNIT mops_age_seconds seconds\nmops_age_seconds 2.5\n# EOF\n"
        );
        let prom = encode(&[f], Format::Prometheus);
        assert_eq!(
            prom,
            "# HELP mops_age_seconds Age.\n# TYPE mops_age_seconds gauge\nmops_age_seconds 2.5\n"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let mut h = Histogram::new(&[0.1, 1.0, 10.0]);
        for ms in [50, 70, 400, 2_000, 60_000] {
            h.observe(Duration::from_millis(ms));
        }
        let mut f = Family::histogram("mops_latency_seconds", "Latency.").unit("seconds");
        f.observe(labels(&[("source", "crm")]), h);
        let text = encode(&[f], Format::OpenMetrics);
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            samples,
            [
                r#"mops_latency_seconds_bucket{source="crm",le="0.1"} 2"#,
                r#"mops_latency_seconds_bucket{source="crm",le="1.0"} 3"#,
                r#"mops_latency_seconds_bucket{source="crm",le="10.0"} 4"#,
                r#"mops_latency_seconds_bucket{source="crm",le="+Inf"} 5"#,
                r#"mops_latency_seconds_sum{source="crm"} 62.52"#,
                r#"mops_latency_seconds_count{source="crm"} 5"#,
            ]
        );
    }

    #[test]
    fn not_a_number_is_left_out_and_infinities_are_spelled() {
        let mut f = Family::gauge("mops_x", "X.");
        f.set(labels(&[("a", "nan")]), f64::NAN);
        f.set(labels(&[("a", "inf")]), f64::INFINITY);
        f.set(labels(&[("a", "neg")]), -0.25);
        let text = encode(&[f], Format::Prometheus);
        assert!(!text.contains("nan\""), "{text}");
        assert!(text.contains("mops_x{a=\"inf\"} +Inf"), "{text}");
        assert!(text.contains("mops_x{a=\"neg\"} -0.25"), "{text}");
    }

    #[test]
    fn help_quotes_are_escaped_only_where_the_format_allows() {
        let f = Family::gauge("mops_x", "Say \"x\" \\ once.");
        assert!(
            encode(std::slice::from_ref(&f), Format::OpenMetrics).contains("# HELP mops_x Say \\\"x\\\" \\\\ once.")
        );
        assert!(encode(&[f], Format::Prometheus).contains("# HELP mops_x Say 'x' \\\\ once."));
    }

    #[test]
    fn negotiation_follows_the_accept_header() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(Format::negotiate(Some(prometheus)), Format::OpenMetrics);
        assert_eq!(Format::negotiate(Some("text/plain")), Format::Prometheus);
        assert_eq!(Format::negotiate(Some("*/*")), Format::Prometheus);
        assert_eq!(Format::negotiate(None), Format::Prometheus);
        assert_eq!(
            Format::negotiate(Some("application/openmetrics-text; q=0, text/plain")),
            Format::Prometheus
        );
    }
}
