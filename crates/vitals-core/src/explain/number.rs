//! Numbers in EXPLAIN's text, cheaply (pure Rust).
//!
//! `format!("{:.3}", x)` is exact but slow: Grisu in exact mode with a bignum (Dragon)
//! fallback, one to two thousand instructions a number, several numbers a line. [`Fixed`]
//! prints the same digits in a fraction of that for the values EXPLAIN shows.

use std::fmt;

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// `x` with `digits` decimals (at most 6), exactly as `format!("{:.digits$}", x)` prints it:
/// the nearest decimal to the binary value, ties to even.
#[derive(Debug, Clone, Copy)]
pub struct Fixed(pub f64, pub usize);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(x, digits) = *self;
        let mut buf = [0u8; 32];
        match fixed_digits(x, digits, &mut buf) {
            Some(s) => f.write_str(s),
            None => write!(f, "{x:.digits$}"),
        }
    }
}

/// Appends `x` with `digits` decimals, as [`Fixed`] prints it.
pub fn push_fixed(out: &mut String, x: f64, digits: usize) {
    let mut buf = [0u8; 32];
    match fixed_digits(x, digits, &mut buf) {
        Some(s) => out.push_str(s),
        None => {
            use fmt::Write;
            let _ = write!(out, "{x:.digits$}");
        }
    }
}

/// Appends an integer in decimal.
pub fn push_int(out: &mut String, n: i64) {
    let mut buf = [0u8; 32];
    let mut at = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    out.push_str(std::str::from_utf8(&buf[at..]).expect("ASCII digits"));
}

/// The digits of `x` with `digits` decimals in `buf`, or None where only the exact
/// formatter will do (not finite, too many digits, too large).
fn fixed_digits(x: f64, digits: usize, buf: &mut [u8; 32]) -> Option<&str> {
    // Past 1e15 scaled, k + 0.5 may not be representable; leave those to the slow path.
    if !x.is_finite() || digits >= POW10.len() || x.abs() * POW10[digits] >= 1e15 {
        return None;
    }
    let scale = POW10[digits];
    let a = x.abs();
    let p = a * scale;
    // The product is rounded, which matters only when it lands exactly halfway: then the
    // exact residual a * scale - p (a fused multiply-add computes it exactly) says which
    // side the true value is on.
    let n = if p - p.floor() == 0.5 {
        let residual = a.mul_add(scale, -p);
        if residual > 0.0 {
            p.ceil()
        } else if residual < 0.0 {
            p.floor()
        } else {
            p.round_ties_even()
        }
    } else {
        p.round()
    } as u64;
    // Digits from the right: n < 1e15 takes at most 16 digits, plus six decimals, the point
    // and the sign.
    let mut at = buf.len();
    let mut rest = n;
    for i in 0.. {
        if i == digits && digits > 0 {
            at -= 1;
            buf[at] = b'.';
        }
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 && i >= digits {
            break;
        }
    }
    if x.is_sign_negative() {
        at -= 1;
        buf[at] = b'-';
    }
    Some(std::str::from_utf8(&buf[at..]).expect("ASCII digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(x: f64, d: usize) {
        let want = format!("{x:.d$}");
        assert_eq!(Fixed(x, d).to_string(), want, "{x:e} with {d} digits");
        let mut pushed = String::from(">");
        push_fixed(&mut pushed, x, d);
        assert_eq!(pushed, format!(">{want}"));
    }

    #[test]
    fn integers() {
        for n in [0, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
            let mut s = String::new();
            push_int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn agrees_with_format_on_edges() {
        for d in 0..=6 {
            for x in [
                0.0,
                -0.0,
                0.5,
                1.5,
                2.5,
                -2.5,
                0.0005,
                0.0015,
                1.2345,
                2.675,
                0.125,
                0.375,
                1e-9,
                -1e-9,
                999.9995,
                9.9995,
                1e14,
                123456789.0625,
                4.35,
                1.005,
                f64::MIN_POSITIVE,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                1e300,
                -1e300,
                0.49999999999999994,
            ] {
                check(x, d);
            }
        }
    }

    #[test]
    fn agrees_with_format_on_many_values() {
        // Deterministic pseudo-random values over many magnitudes, and exact halves.
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..200_000u64 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let mantissa = (s >> 11) as f64 / (1u64 << 53) as f64;
            let exp = (s % 40) as i32 - 20;
            let x = mantissa * 10f64.powi(exp) * if i % 3 == 0 { -1.0 } else { 1.0 };
            check(x, (i % 7) as usize);
            let half = ((s >> 20) % 100_000) as f64 + 0.5;
            check(half / POW10[(i % 4) as usize], (i % 4) as usize);
        }
    }
}
