//! Source values made to fit the type of the attribute they are written to.

use super::model::AttributeType;
use crate::eval::Scalar;
use serde_json::Number;

/// The value as the attribute holds it, or why it does not fit.
pub fn coerce(kind: AttributeType, value: &Scalar) -> Result<Scalar, String> {
    let misfit = |what: &str| {
        Err(format!(
            "`{}` is not {what}; the attribute is of type {}",
            value.text(),
            kind.as_str()
        ))
    };
    match kind {
        AttributeType::Integer => match value {
            Scalar::Number(n) if n.is_i64() || n.is_u64() => Ok(value.clone()),
            Scalar::Text(t) => match t.trim().parse::<i64>() {
                Ok(i) => Ok(Scalar::Number(i.into())),
                Err(_) => misfit("a whole number"),
            },
            _ => misfit("a whole number"),
        },
        AttributeType::Double => match value {
            Scalar::Number(_) => Ok(value.clone()),
            Scalar::Text(t) => match t.trim().parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Ok(Scalar::Number(n)),
                None => misfit("a number"),
            },
            Scalar::Bool(_) => misfit("a number"),
        },
        AttributeType::Boolean => match value {
            Scalar::Bool(_) => Ok(value.clone()),
            Scalar::Text(t) if t.eq_ignore_ascii_case("true") => Ok(Scalar::Bool(true)),
            Scalar::Text(t) if t.eq_ignore_ascii_case("false") => Ok(Scalar::Bool(false)),
            _ => misfit("true or false"),
        },
        // Every other type holds text (Assets keeps dates, emails, URLs and options as text).
        _ => Ok(match value {
            Scalar::Text(_) => value.clone(),
            other => Scalar::Text(other.text().into_owned()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Scalar {
        Scalar::Text(s.to_string())
    }

    #[test]
    fn values_take_the_attribute_type() {
        assert_eq!(
            coerce(AttributeType::Integer, &text(" 42 ")),
            Ok(Scalar::Number(42.into()))
        );
        assert_eq!(
            coerce(AttributeType::Text, &Scalar::Number(7.into())),
            Ok(text("7"))
        );
        assert_eq!(
            coerce(AttributeType::Boolean, &text("TRUE")),
            Ok(Scalar::Bool(true))
        );
        assert_eq!(
            coerce(AttributeType::Double, &text("2.5")),
            Ok(Scalar::Number(Number::from_f64(2.5).unwrap()))
        );
    }

    #[test]
    fn a_misfit_says_what_and_why() {
        let e = coerce(AttributeType::Integer, &text("A12")).unwrap_err();
        assert_eq!(
            e,
            "`A12` is not a whole number; the attribute is of type integer"
        );
        assert!(coerce(AttributeType::Boolean, &Scalar::Number(1.into())).is_err());
        assert!(coerce(AttributeType::Double, &text("NaN")).is_err());
    }
}
