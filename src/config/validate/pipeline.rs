//! `[pipeline]`: KPI thresholds and what campaigns cost and earned.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{Entry, Validator, Value, entries, found};
use crate::config::rate::{RateError, parse_rate, rate_from_fraction};
use crate::config::schema::{CAMPAIGN_KEYS, PIPELINE_KEYS, THRESHOLD_KEYS};
use crate::config::{CampaignEconomics, PipelineConfig, Thresholds};

/// What a money amount may be.
#[derive(Clone, Copy)]
enum Amount {
    /// Strictly positive: ROMI divides by the cost.
    Cost,
    /// Zero or more.
    Revenue,
}

impl Validator<'_> {
    pub(super) fn pipeline(&mut self, value: &Value<'_>) -> PipelineConfig {
        let mut pipeline = PipelineConfig::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "pipeline",
                format!("expected a [pipeline] table, found {}", found(value.get_ref())),
            );
            return pipeline;
        };
        for e in entries(table) {
            match e.key {
                "thresholds" => pipeline.thresholds = self.thresholds(e.value),
                "campaign" => pipeline.campaigns = self.campaigns(e.value),
                _ => self.unknown_key(&e, format!("pipeline.{}", e.key), PIPELINE_KEYS, "[pipeline]"),
            }
        }
        pipeline
    }

    /// Starts from the defaults, so a table that sets one rate keeps the others.
    fn thresholds(&mut self, value: &Value<'_>) -> Thresholds {
        let mut thresholds = Thresholds::default();
        let table = match value.get_ref() {
            DeValue::Table(table) => table,
            DeValue::Array(_) => {
                self.push(
                    value.span().start,
                    "pipeline.thresholds",
                    "write [pipeline.thresholds] with single brackets: there is one set of thresholds",
                );
                return thresholds;
            }
            other => {
                self.push(
                    value.span().start,
                    "pipeline.thresholds",
                    format!("expected a [pipeline.thresholds] table, found {}", found(other)),
                );
                return thresholds;
            }
        };
        for e in entries(table) {
            let field = format!("pipeline.thresholds.{}", e.key);
            let slot = match e.key {
                "bounce_rate" => &mut thresholds.bounce_rate,
                "unsubscribe_rate" => &mut thresholds.unsubscribe_rate,
                "churn" => &mut thresholds.churn,
                "open_rate_min" => {
                    thresholds.open_rate_min = self.rate(&field, e.value);
                    continue;
                }
                "click_rate_min" => {
                    thresholds.click_rate_min = self.rate(&field, e.value);
                    continue;
                }
                _ => {
                    self.unknown_threshold(&e, field);
                    continue;
                }
            };
            if let Some(rate) = self.rate(&field, e.value) {
                *slot = rate;
            }
        }
        thresholds
    }

    /// Like [`Validator::unknown_key`], but also catches a name missing its
    /// `_rate` or `_min` suffix ("bounce", "open_rate"), too far off for the
    /// edit-distance hint.
    fn unknown_threshold(&mut self, e: &Entry<'_, '_>, field: String) {
        let lower = e.key.to_lowercase();
        let completed = ["_rate", "_min", "_rate_min"]
            .iter()
            .map(|suffix| format!("{lower}{suffix}"))
            .find(|candidate| THRESHOLD_KEYS.contains(&candidate.as_str()));
        match completed {
            Some(near) => self.push(
                e.key_span.start,
                field,
                format!("unknown key `{}`; did you mean `{near}`?", e.key),
            ),
            None => self.unknown_key(e, field, THRESHOLD_KEYS, "[pipeline.thresholds]"),
        }
    }

    /// A percentage string ("2%"), or a fraction as a number or a string.
    fn rate(&mut self, field: &str, value: &Value<'_>) -> Option<f64> {
        let result = match value.get_ref() {
            DeValue::String(text) => parse_rate(text),
            other => match number(other) {
                Some((fraction, shown)) => rate_from_fraction(fraction, &shown),
                None => {
                    self.push(
                        value.span().start,
                        field,
                        format!(
                            "expected a percentage like \"2%\" or a fraction like 0.02, found {}",
                            found(other)
                        ),
                    );
                    return None;
                }
            },
        };
        result
            .map_err(|err: RateError| self.push(value.span().start, field, err.to_string()))
            .ok()
    }

    fn campaigns(&mut self, value: &Value<'_>) -> Vec<CampaignEconomics> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => {
                self.push(
                    value.span().start,
                    "pipeline.campaign",
                    "write [[pipeline.campaign]] with double brackets: one table per campaign",
                );
                return Vec::new();
            }
            other => {
                self.push(
                    value.span().start,
                    "pipeline.campaign",
                    format!("expected [[pipeline.campaign]] tables, found {}", found(other)),
                );
                return Vec::new();
            }
        };
        // Campaign id -> line of its `id`, to name both lines of a duplicate.
        let mut seen = HashMap::new();
        let mut campaigns = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(table) => {
                    campaigns.extend(self.campaign(index, item.span(), table, &mut seen));
                }
                other => self.push(
                    item.span().start,
                    format!("pipeline.campaign #{}", index + 1),
                    format!("expected a [[pipeline.campaign]] table, found {}", found(other)),
                ),
            }
        }
        campaigns
    }

    fn campaign(
        &mut self,
        index: usize,
        header: Range<usize>,
        table: &DeTable<'_>,
        seen: &mut HashMap<String, usize>,
    ) -> Option<CampaignEconomics> {
        let problems_before = self.problems.len();
        let fields = entries(table);
        let find = |key: &str| fields.iter().find(|e| e.key == key);
        let ordinal = format!("pipeline.campaign #{}", index + 1);

        let id = match find("id") {
            Some(e) => self.campaign_id(&ordinal, e.value, seen),
            None => {
                self.push(
                    header.start,
                    ordinal.clone(),
                    "missing `id`; give the Mailchimp campaign id, like id = \"42694e9e57\"",
                );
                None
            }
        };
        let label = id.as_ref().map_or(ordinal, |id| format!("pipeline.campaign {id:?}"));
        let field = |key: &str| format!("{label} field {key}");

        let mut cost = None;
        let mut revenue = None;
        for e in &fields {
            match e.key {
                "id" => {}
                "cost" => cost = self.amount(&field("cost"), e.value, Amount::Cost),
                "revenue" => revenue = self.amount(&field("revenue"), e.value, Amount::Revenue),
                _ => self.unknown_key(e, field(e.key), CAMPAIGN_KEYS, "[[pipeline.campaign]]"),
            }
        }
        if find("cost").is_none() {
            self.push(
                header.start,
                label.clone(),
                "missing `cost`; what the campaign cost in your reporting currency, like cost = 1200",
            );
        }
        if self.problems.len() > problems_before {
            return None;
        }
        Some(CampaignEconomics {
            id: id?,
            cost: cost?,
            revenue,
        })
    }

    fn campaign_id(&mut self, ordinal: &str, value: &Value<'_>, seen: &mut HashMap<String, usize>) -> Option<String> {
        let at = value.span().start;
        let field = format!("{ordinal} field id");
        let DeValue::String(id) = value.get_ref() else {
            self.push(
                at,
                field,
                format!(
                    "expected a campaign id string like \"42694e9e57\", found {}",
                    found(value.get_ref())
                ),
            );
            return None;
        };
        let valid = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            self.push(
                at,
                field,
                "a Mailchimp campaign id is letters and digits, like \"42694e9e57\"",
            );
            return None;
        }
        let (line, _) = self.position(at);
        if let Some(first) = seen.get(id.as_ref()).copied() {
            self.push(
                at,
                format!("pipeline.campaign {id:?} field id"),
                format!(
                    "duplicate campaign id {id:?}: line {first} already uses it, and line {line} uses it again; give each campaign one [[pipeline.campaign]] table"
                ),
            );
            return None;
        }
        seen.insert(id.to_string(), line);
        Some(id.to_string())
    }

    fn amount(&mut self, field: &str, value: &Value<'_>, kind: Amount) -> Option<f64> {
        let message = match (number(value.get_ref()), kind) {
            (Some((x, _)), Amount::Cost) if x.is_finite() && x > 0.0 => return Some(x),
            (Some((x, _)), Amount::Revenue) if x.is_finite() && x >= 0.0 => return Some(x),
            (Some((_, shown)), Amount::Cost) => {
                format!("cost must be a positive number (ROMI divides by it), found {shown}")
            }
            (Some((_, shown)), Amount::Revenue) => {
                format!("revenue must be 0 or more, found {shown}")
            }
            (None, _) => format!(
                "expected a number like 1200 or 1200.50 (no currency sign or quotes), found {}",
                found(value.get_ref())
            ),
        };
        self.push(value.span().start, field, message);
        None
    }
}

/// A TOML integer or float as `f64`, with its text as written for messages.
/// Infinity and NaN come back as they are, for the caller to refuse.
fn number(value: &DeValue<'_>) -> Option<(f64, String)> {
    match value {
        DeValue::Integer(i) => {
            // `as_str` is the digits without a radix prefix or underscores.
            let n = if i.radix() == 10 {
                i.as_str().parse::<f64>().ok()?
            } else {
                i64::from_str_radix(i.as_str(), i.radix()).ok()? as f64
            };
            Some((n, i.to_string()))
        }
        DeValue::Float(f) => Some((f.as_str().parse::<f64>().ok()?, f.as_str().to_owned())),
        _ => None,
    }
}
