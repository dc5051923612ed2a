//! A formula in plain text for the report: `y_2 - t_2 = 4.101 - 1`, the numbers at the digits
//! a hand calculation carries. Quantities are named by `math::names`, as everywhere.

use crate::math::expr::{Expr, Func};
use crate::math::names::{plain, Indices};
use crate::math::number::{Rounding, Shown, Value};

/// How formulas are written: the network's depth (for names and `h` or `o`) and the digits.
#[derive(Clone, Copy)]
pub struct Plain {
    pub depth: u32,
    pub digits: u32,
    pub rounding: Rounding,
}

impl Plain {
    /// `e` in plain text.
    pub fn write(&self, e: &Expr) -> String {
        let mut out = String::new();
        self.expr(&e.expand_sums(), 0, &mut out);
        out
    }

    /// A value at `digits` significant digits: `0.6457`, `-1.41e-3`.
    pub fn number(v: Value, digits: u32, rounding: Rounding) -> String {
        if !v.is_finite() {
            return "(no value)".into();
        }
        let shown = Shown::new(v, digits, rounding);
        let mut out = String::from(if shown.negative { "-" } else { "" });
        if shown.positional() {
            shown.write_positional(&mut out);
        } else {
            shown.write_mantissa(&mut out);
            out.push_str(&format!("e{}", shown.exponent));
        }
        out
    }

    fn function(&self, f: Func) -> String {
        match f {
            Func::Act(layer) if layer == self.depth => "o".into(),
            Func::Act(_) | Func::Own => "h".into(),
            other => other.name(),
        }
    }

    /// Writes `e`, in parentheses when its precedence is below `outer` (1 sum, 2 product,
    /// 3 power).
    fn expr(&self, e: &Expr, outer: u8, out: &mut String) {
        let precedence = match e {
            Expr::Add(_) => 1,
            Expr::Mul(_) | Expr::Div(..) | Expr::Neg(_) => 2,
            Expr::Pow(..) => 3,
            Expr::Val(v) if v.f < 0.0 => 2,
            Expr::Num(d) if d.is_negative() => 2,
            _ => 4,
        };
        let open = precedence < outer;
        if open {
            out.push('(');
        }
        match e {
            Expr::Num(d) => out.push_str(&d.to_string()),
            Expr::Val(v) => out.push_str(&Plain::number(*v, self.digits, self.rounding)),
            Expr::Sym(_) | Expr::Partial(..) => {
                out.push_str(&plain(e, Some(self.depth), Indices::Joined))
            }
            Expr::Add(terms) => self.sum(terms, out),
            Expr::Mul(factors) => {
                for (k, factor) in factors.iter().enumerate() {
                    if k > 0 {
                        out.push_str(" * ");
                    }
                    self.expr(factor, 3, out);
                }
            }
            Expr::Neg(x) => {
                out.push('-');
                self.expr(x, 3, out);
            }
            Expr::Div(a, b) => {
                self.expr(a, 2, out);
                out.push_str(" / ");
                self.expr(b, 3, out);
            }
            Expr::Pow(a, b) => {
                self.expr(a, 4, out);
                out.push('^');
                self.expr(b, 4, out);
            }
            Expr::Call(f, x) | Expr::Deriv(f, x) => {
                out.push_str(&self.function(*f));
                if matches!(e, Expr::Deriv(..)) {
                    out.push('\'');
                }
                out.push('(');
                self.expr(x, 0, out);
                out.push(')');
            }
            Expr::Cases {
                arg,
                positive,
                otherwise,
            } => {
                for (word, part) in [
                    ("(if ", arg),
                    (" > 0 then ", positive),
                    (" else ", otherwise),
                ] {
                    out.push_str(word);
                    self.expr(part, 0, out);
                }
                out.push(')');
            }
            other => out.push_str(&other.to_string()),
        }
        if open {
            out.push(')');
        }
    }
}

impl Plain {
    /// The terms of a sum, a negated term after the first written as a subtraction.
    fn sum(&self, terms: &[Expr], out: &mut String) {
        for (k, term) in terms.iter().enumerate() {
            match term {
                Expr::Neg(x) if k > 0 => {
                    out.push_str(" - ");
                    self.expr(x, 2, out);
                }
                _ => {
                    if k > 0 {
                        out.push_str(" + ");
                    }
                    self.expr(term, 1, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::expr::{Index, Symbol};

    #[test]
    fn a_formula_reads_as_a_hand_calculation() {
        let plain = Plain {
            depth: 2,
            digits: 4,
            rounding: Rounding::HalfUp,
        };
        let y = Expr::Sym(Symbol::out(2, Index::Num(2)));
        let t = Expr::Sym(Symbol::target(Index::Num(2)));
        let e = Expr::Add(vec![y.clone(), Expr::Neg(Box::new(t))]);
        assert_eq!(plain.write(&e), "y_2 - t_2");
        let product = Expr::Mul(vec![Expr::Val(Value::approx(-0.22523)), y]);
        assert_eq!(plain.write(&product), "(-0.2252) * y_2");
        assert_eq!(
            Plain::number(Value::approx(0.00141), 3, Rounding::HalfUp),
            "0.00141"
        );
        assert_eq!(
            Plain::number(Value::approx(1.41e-7), 3, Rounding::HalfUp),
            "1.41e-7"
        );
    }
}
