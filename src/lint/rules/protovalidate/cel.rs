//! CEL in protovalidate rules: field, message and predefined-rule
//! expressions must type-check (cel-core's checker, with protovalidate's
//! own functions declared) and yield a bool or a string.

use std::any::Any;
use std::sync::Arc;

use cel_core::{
    CelType, CompileError, Env, FunctionDecl, MessageValue, OverloadDecl, ProtoRegistry,
    ProtoTypeResolver, ResolvedProtoType, StructFieldValue, Value as CelValue,
};
use prost_reflect::{
    DescriptorPool, DynamicMessage, ExtensionDescriptor, Kind, MessageDescriptor, ReflectMessage,
};

use super::field::{Adder, Target};
use super::{Cx, EXT_PREDEFINED, FIELD_OPTIONS, ext_path, formats};
use crate::check::naming::go_quote;
use crate::lint::{Sink, with};

/// `FieldRules.cel` and `.cel_expression`; `MessageRules.cel` and
/// `.cel_expression`; `PredefinedRules.cel`.
const FIELD_CEL: i32 = 23;
const FIELD_CEL_EXPRESSION: i32 = 29;
const MESSAGE_CEL: i32 = 3;
const MESSAGE_CEL_EXPRESSION: i32 = 5;
const PREDEFINED_CEL: i32 = 1;

/// One CEL rule as written: `Rule{id, message, expression}`, or a bare
/// `cel_expression` string.
struct Rule {
    id: String,
    message: String,
    expression: String,
}

fn rules_in(m: &DynamicMessage, name: &str) -> Vec<Rule> {
    let Some(list) = m.get_field_by_name(name) else {
        return Vec::new();
    };
    let Some(items) = list.as_list() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|v| match v.as_message() {
            Some(r) => {
                let s = |n: &str| {
                    r.get_field_by_name(n)
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                };
                Rule {
                    id: s("id"),
                    message: s("message"),
                    expression: s("expression"),
                }
            }
            None => Rule {
                id: String::new(),
                message: String::new(),
                expression: v.as_str().unwrap_or_default().to_string(),
            },
        })
        .collect()
}

pub(super) fn check_field_cel(
    sink: &mut Sink,
    adder: &Adder,
    rules: &DynamicMessage,
    target: &Target,
    for_items: bool,
) {
    let cel = rules_in(rules, "cel");
    let bare = rules_in(rules, "cel_expression");
    if cel.is_empty() && bare.is_empty() {
        return;
    }
    let pool = adder.cx.schema.pool;
    let env = base_env(pool).with_variable("this", field_type(target, for_items));
    let parent = format!("field {}", adder.q());
    let capitalized = format!("Field {}", adder.q());
    for (number, list, ids) in [
        (FIELD_CEL, &cel, true),
        (FIELD_CEL_EXPRESSION, &bare, false),
    ] {
        let cel_name = adder.rule_name(&[number]);
        check_rules(&env, list, ids, &parent, &capitalized, &cel_name, |i, m| {
            adder.at(sink, &[number, i as i32], m);
        });
    }
}

pub(super) fn check_message_cel(
    cx: &Cx,
    sink: &mut Sink,
    rules: &DynamicMessage,
    md: &MessageDescriptor,
    opt: &[i32],
) {
    let cel = rules_in(rules, "cel");
    let bare = rules_in(rules, "cel_expression");
    if cel.is_empty() && bare.is_empty() {
        return;
    }
    let env = base_env(cx.schema.pool).with_variable("this", CelType::message(md.full_name()));
    let parent = format!("message {}", go_quote(md.name()));
    let capitalized = format!("Message {}", go_quote(md.name()));
    for (number, list, ids, name) in [
        (MESSAGE_CEL, &cel, true, "(buf.validate.message).cel"),
        (
            MESSAGE_CEL_EXPRESSION,
            &bare,
            false,
            "(buf.validate.message).cel_expression",
        ),
    ] {
        check_rules(&env, list, ids, &parent, &capitalized, name, |i, m| {
            let mut p = opt.to_vec();
            p.push(number);
            p.push(i as i32);
            cx.report(sink, &p, opt.len(), m);
        });
    }
}

/// The field's own CEL rules that `value` (an example) breaks, as (rule ID,
/// text): a `false` result gives the rule's message, a non-empty string is
/// the text itself. Rules that need anything beyond the value (or call a
/// function cel-core cannot evaluate) are passed over.
pub(super) fn example_violations(
    pool: &DescriptorPool,
    rules: &DynamicMessage,
    target: &Target,
    value: &prost_reflect::Value,
) -> Vec<(String, String)> {
    let cel = rules_in(rules, "cel");
    let Some(this) = cel_value(value).filter(|_| !cel.is_empty()) else {
        return Vec::new();
    };
    let env = base_env(pool).with_variable("this", field_type(target, true));
    let mut activation = cel_core::MapActivation::new();
    activation.insert("this", this);
    cel.iter()
        .filter_map(|rule| {
            let ast = compile_rule(&env, &rule.expression)?;
            broken(&env, &ast, rule, &activation)
        })
        .collect()
}

/// Runs a compiled rule: its ID and text when it fails (`false`, or a
/// non-empty string), `None` when it passes or cannot be evaluated.
fn broken(
    env: &Env,
    ast: &cel_core::Ast,
    rule: &Rule,
    activation: &cel_core::MapActivation,
) -> Option<(String, String)> {
    match env.program(ast).ok()?.eval(activation) {
        // protovalidate-go words a failure without a message itself.
        CelValue::Bool(false) if rule.message.is_empty() => Some((
            rule.id.clone(),
            format!("{} returned false", go_quote(&rule.expression)),
        )),
        CelValue::Bool(false) => Some((rule.id.clone(), rule.message.clone())),
        CelValue::String(s) if !s.is_empty() => Some((rule.id.clone(), s.to_string())),
        _ => None,
    }
}

/// Whether every CEL rule of the field compiles (with `this` the value an
/// example stands for).
pub(super) fn all_compile(pool: &DescriptorPool, rules: &DynamicMessage, target: &Target) -> bool {
    let cel = rules_in(rules, "cel");
    let bare = rules_in(rules, "cel_expression");
    if cel.is_empty() && bare.is_empty() {
        return true;
    }
    let env = base_env(pool).with_variable("this", field_type(target, true));
    cel.iter()
        .chain(&bare)
        .all(|r| compile_rule(&env, &r.expression).is_some())
}

/// A rules message as a CEL value: `rules` of a predefined rule.
#[derive(Debug, Clone, PartialEq)]
struct Msg(DynamicMessage, String);

impl MessageValue for Msg {
    fn type_name(&self) -> &str {
        &self.1
    }
    fn eq_message(&self, other: &dyn MessageValue) -> bool {
        other.as_any().downcast_ref::<Msg>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn clone_boxed(&self) -> Box<dyn MessageValue> {
        Box::new(self.clone())
    }
}

/// The predefined rules set on `type_rules` (extensions of the `*Rules`
/// message carrying `(buf.validate.predefined).cel`) that `value` breaks,
/// run with `this`, `rule` and `rules` bound. `None` when one of them does
/// not compile, which in protovalidate stops every example check.
pub(super) fn predefined_example_violations(
    pool: &DescriptorPool,
    type_rules: &DynamicMessage,
    target: &Target,
    value: &prost_reflect::Value,
) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let Some(predefined) = pool.get_extension_by_name("buf.validate.predefined") else {
        return Some(out);
    };
    let this = cel_value(value);
    let rules_name = type_rules.descriptor().full_name().to_string();
    for (ext, rule_value) in type_rules.extensions() {
        let options = ext.options();
        if !options.has_extension(&predefined) {
            continue;
        }
        let cel = options
            .get_extension(&predefined)
            .as_message()
            .map(|m| rules_in(m, "cel"))
            .unwrap_or_default();
        let env = base_env(pool)
            .with_variable("this", field_type(target, true))
            .with_variable(
                "rule",
                kind_type(&ext.kind(), ext.is_list(), ext.is_map(), false),
            )
            .with_variable("rules", CelType::message(&rules_name));
        let mut activation = cel_core::MapActivation::new();
        if let Some(this) = &this {
            activation.insert("this", this.clone());
        }
        if let Some(rule) = cel_value(rule_value) {
            activation.insert("rule", rule);
        }
        activation.insert(
            "rules",
            CelValue::Message(Box::new(Msg(type_rules.clone(), rules_name.clone()))),
        );
        for rule in &cel {
            let ast = compile_rule(&env, &rule.expression)?;
            out.extend(broken(&env, &ast, rule, &activation));
        }
    }
    Some(out)
}

/// A scalar example as a CEL value (enums are ints).
fn cel_value(v: &prost_reflect::Value) -> Option<CelValue> {
    use prost_reflect::Value as V;
    Some(match v {
        V::Bool(b) => CelValue::Bool(*b),
        V::I32(x) | V::EnumNumber(x) => CelValue::Int(i64::from(*x)),
        V::I64(x) => CelValue::Int(*x),
        V::U32(x) => CelValue::UInt(u64::from(*x)),
        V::U64(x) => CelValue::UInt(*x),
        V::F32(x) => CelValue::Double(f64::from(*x)),
        V::F64(x) => CelValue::Double(*x),
        V::String(s) => CelValue::String(s.as_str().into()),
        V::Bytes(b) => CelValue::Bytes(b.to_vec().into()),
        V::List(items) => CelValue::List(
            items
                .iter()
                .filter_map(cel_value)
                .collect::<Vec<_>>()
                .into(),
        ),
        // protovalidate hands CEL the well-known types as CEL's own
        // durations and timestamps.
        V::Message(m) if m.descriptor().full_name() == "google.protobuf.Duration" => {
            CelValue::Duration(cel_core::Duration::from_nanos(
                super::times::duration_nanos(v),
            ))
        }
        V::Message(m) if m.descriptor().full_name() == "google.protobuf.Timestamp" => {
            let (secs, nanos) = super::times::timestamp_parts(v);
            CelValue::Timestamp(cel_core::Timestamp::new(secs, nanos))
        }
        V::Message(m) => CelValue::Message(Box::new(Msg(
            m.clone(),
            m.descriptor().full_name().to_string(),
        ))),
        _ => return None,
    })
}

/// An extension of a `buf.validate.*Rules` message with
/// `(buf.validate.predefined)` CEL: `this` is the value being validated,
/// `rule` the extension's own value, `rules` the rules message.
pub(super) fn check_predefined(cx: &Cx, sink: &mut Sink, ext: &ExtensionDescriptor, path: &[i32]) {
    let extended = ext.containing_message();
    let full = extended.full_name();
    if !(full.starts_with("buf.validate.") && full.ends_with("Rules")) {
        return;
    }
    let Some(this) = rules_value_type(extended.name()) else {
        return;
    };
    let Some(rules) = cx.rules(
        &with(path, FIELD_OPTIONS),
        EXT_PREDEFINED,
        &cx.schema.predefined_rules,
    ) else {
        return;
    };
    let cel = rules_in(&rules, "cel");
    if cel.is_empty() {
        return;
    }
    let rule_type = kind_type(&ext.kind(), ext.is_list(), ext.is_map(), false);
    let env = base_env(cx.schema.pool)
        .with_variable("this", this)
        .with_variable("rule", rule_type)
        .with_variable("rules", CelType::message(full));
    let opt = ext_path(path, FIELD_OPTIONS, EXT_PREDEFINED);
    check_rules(
        &env,
        &cel,
        true,
        "extension field",
        "Extension field",
        "(buf.validate.predefined).cel",
        |i, m| {
            let mut p = opt.clone();
            p.push(PREDEFINED_CEL);
            p.push(i as i32);
            cx.report(sink, &p, opt.len(), m);
        },
    );
}

/// The checks buf makes on a list of CEL rules; `report(index, message)`.
fn check_rules(
    env: &Env,
    rules: &[Rule],
    with_ids: bool,
    parent: &str,
    capitalized: &str,
    cel_name: &str,
    mut report: impl FnMut(usize, String),
) {
    // A bare `cel_expression` is its own expression.
    let expression = if with_ids {
        format!("{cel_name}.expression")
    } else {
        cel_name.to_string()
    };
    let mut by_id: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        if with_ids && !rule.id.is_empty() {
            let valid = rule
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                report(
                    i,
                    format!(
                        "{capitalized} has invalid characters for {cel_name}.id. IDs must contain only characters a-z, A-Z, 0-9, '.', '_', '-'."
                    ),
                );
            }
            match by_id.iter_mut().find(|(id, _)| *id == rule.id) {
                Some((_, v)) => v.push(i),
                None => by_id.push((&rule.id, vec![i])),
            }
        }
        if rule.expression.trim().is_empty() {
            report(
                i,
                format!(
                    "{capitalized} has an empty {expression}. Expressions should always be specified."
                ),
            );
            continue;
        }
        match compile(env, &rule.expression).map(|ast| result_type(&ast)) {
            Ok(CelType::Bool | CelType::Dyn) => {}
            Ok(CelType::String) => {
                if !rule.message.is_empty() {
                    report(
                        i,
                        format!(
                            "{capitalized} has a {cel_name} with an expression that evaluates to a string, and also has a message. The message is redundant - since the expression evaluates to a string, its result will be printed instead of the message, so the message should be removed."
                        ),
                    );
                }
            }
            Ok(other) => report(
                i,
                format!(
                    "{expression} on {parent} evaluates to a {}, only string and boolean are allowed.",
                    go_type_name(&other)
                ),
            ),
            Err(issues) => {
                for issue in issues {
                    report(
                        i,
                        format!("{expression} on {parent} fails to compile: {issue}"),
                    );
                }
            }
        }
    }
    for (id, indexes) in by_id {
        if indexes.len() > 1 {
            for i in indexes {
                report(
                    i,
                    format!(
                        "{cel_name}.id ({}) is not unique within {parent}.",
                        go_quote(id)
                    ),
                );
            }
        }
    }
}

/// cel-go's parser gives up past this many nested brackets.
const MAX_NESTING: usize = 250;

/// The longest run of field selections (`a.b.c...`) anywhere in the
/// expression, which cel-go's parser follows by recursion up to
/// [`MAX_NESTING`] deep.
fn member_chain(expr: &cel_core::SpannedExpr) -> usize {
    let mut run = 0;
    let mut node = expr;
    while let cel_core::Expr::Member { expr: inner, .. } = &node.node {
        run += 1;
        node = inner;
    }
    children(node)
        .into_iter()
        .map(member_chain)
        .fold(run, usize::max)
}

/// The direct subexpressions of `expr`.
fn children(expr: &cel_core::SpannedExpr) -> Vec<&cel_core::SpannedExpr> {
    use cel_core::Expr;
    match &expr.node {
        Expr::Unary { expr: e, .. }
        | Expr::Member { expr: e, .. }
        | Expr::MemberTestOnly { expr: e, .. } => vec![e],
        Expr::Binary { left, right, .. } => vec![left, right],
        Expr::Ternary {
            cond,
            then_expr,
            else_expr,
        } => vec![cond, then_expr, else_expr],
        Expr::Index { expr: e, index, .. } => vec![e, index],
        Expr::Call { expr: callee, args } => std::iter::once(&**callee).chain(args).collect(),
        Expr::List(items) => items.iter().map(|i| &i.expr).collect(),
        Expr::Map(entries) => entries.iter().flat_map(|e| [&e.key, &e.value]).collect(),
        Expr::Struct { fields, .. } => fields.iter().map(|f| &f.value).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_condition,
            &c.loop_step,
            &c.result,
        ],
        Expr::Bind { init, body, .. } => vec![init, body],
        _ => Vec::new(),
    }
}

/// The deepest nesting of `(`, `[` and `{` outside string literals.
fn nesting_depth(expression: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut chars = expression.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses and type-checks `source`: its result type, or each problem in
/// cel-go's words. cel-core's checker is more lenient than cel-go's in a few
/// places, which [`stricter`] makes up for.
fn compile(env: &Env, source: &str) -> Result<cel_core::Ast, Vec<String>> {
    if nesting_depth(source) > MAX_NESTING {
        return Err(vec![format!(
            "expression recursion limit exceeded: {MAX_NESTING}"
        )]);
    }
    let parsed = env.parse(source);
    if !parsed.errors.is_empty() {
        return Err(compile_issues(&CompileError::Parse(parsed.errors), source));
    }
    let Some(expr) = parsed.ast else {
        return Err(vec!["empty expression".into()]);
    };
    if member_chain(&expr) > MAX_NESTING {
        return Err(vec!["max recursion depth exceeded".into()]);
    }
    let checked = env.check(&expr);
    let mut issues = Vec::new();
    if !checked.errors.is_empty() {
        issues = compile_issues(&CompileError::Check(checked.errors.clone()), source);
    }
    stricter(&expr, &checked.type_map, &mut issues);
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(cel_core::Ast::new_checked(expr, source, checked))
}

/// The type a checked expression yields.
fn result_type(ast: &cel_core::Ast) -> CelType {
    ast.result_type().cloned().unwrap_or(CelType::Dyn)
}

/// A rule protovalidate accepts: it compiles and yields a bool or a string.
fn compile_rule(env: &Env, source: &str) -> Option<cel_core::Ast> {
    compile(env, source).ok().filter(|ast| {
        matches!(
            result_type(ast),
            CelType::Bool | CelType::String | CelType::Dyn
        )
    })
}

/// What cel-go rejects and cel-core lets through: `==`, `!=` and `in` over
/// types that cannot be equal, and a conditional whose branches differ.
fn stricter(
    expr: &cel_core::SpannedExpr,
    types: &std::collections::HashMap<i64, CelType>,
    issues: &mut Vec<String>,
) {
    use cel_core::{BinaryOp, Expr};
    let ty = |e: &cel_core::SpannedExpr| types.get(&e.id).cloned().unwrap_or(CelType::Dyn);
    let overload = |name: &str, args: &[CelType]| {
        format!(
            "found no matching overload for '{name}' applied to '({})'",
            args.iter().map(go_type_name).collect::<Vec<_>>().join(", ")
        )
    };
    for child in children(expr) {
        stricter(child, types, issues);
    }
    match &expr.node {
        Expr::Binary { op, left, right } => {
            let (l, r) = (ty(left), ty(right));
            match op {
                BinaryOp::Eq | BinaryOp::Ne if !comparable(&l, &r) => {
                    let name = if *op == BinaryOp::Eq { "_==_" } else { "_!=_" };
                    issues.push(overload(name, &[l, r]));
                }
                BinaryOp::In => {
                    let element = match &r {
                        CelType::List(e) => Some(e.as_ref().clone()),
                        CelType::Map(k, _) => Some(k.as_ref().clone()),
                        _ => None,
                    };
                    if element.is_some_and(|e| !comparable(&l, &e)) {
                        issues.push(overload("@in", &[l, r]));
                    }
                }
                _ => {}
            }
        }
        Expr::Ternary {
            cond,
            then_expr,
            else_expr,
        } => {
            let (a, b) = (ty(then_expr), ty(else_expr));
            if !comparable(&a, &b) {
                issues.push(overload("_?_:_", &[ty(cond), a, b]));
            }
        }
        Expr::Call { expr: callee, args } => {
            if let Expr::Member {
                expr: receiver,
                field,
                ..
            } = &callee.node
                && field == "format"
                && let Expr::String(template) = &receiver.node
                && let [arg] = args.as_slice()
                && let Expr::List(items) = &arg.node
            {
                let arg_types: Vec<CelType> = items.iter().map(|i| ty(&i.expr)).collect();
                issues.extend(format_issue(template, &arg_types));
            }
        }
        // `dyn` is a function in cel-go, not a type name.
        Expr::Ident(name) if name == "dyn" => {
            issues.push("undeclared reference to 'dyn' (in container '')".into());
        }
        _ => {}
    }
}

/// cel-go checks a literal format string against a literal argument list:
/// known clauses, enough arguments, not too many, and numbers for `%d`.
fn format_issue(template: &str, args: &[CelType]) -> Option<String> {
    let mut chars = template.chars().peekable();
    let mut index = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            continue;
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
        let verb = chars.next()?;
        if !matches!(verb, 's' | 'd' | 'f' | 'e' | 'x' | 'X' | 'o' | 'b') {
            return Some(format!(
                "could not parse formatting clause: unrecognized formatting clause \"{verb}\""
            ));
        }
        let Some(arg) = args.get(index) else {
            return Some(format!("index {index} out of range"));
        };
        let numeric = matches!(
            arg,
            CelType::Int | CelType::UInt | CelType::Double | CelType::Dyn
        );
        if verb == 'd' && !numeric {
            return Some(format!(
                "error during formatting: decimal clause can only be used on ints, uints, and doubles, was given {}",
                go_type_name(arg)
            ));
        }
        index += 1;
    }
    (args.len() > index).then(|| {
        format!(
            "too many arguments supplied to string.format (expected {index}, got {})",
            args.len()
        )
    })
}

/// Whether values of the two types can be compared (cel-go's assignability
/// for a type parameter shared by both sides).
fn comparable(a: &CelType, b: &CelType) -> bool {
    let loose = |t: &CelType| {
        matches!(
            t,
            CelType::Dyn | CelType::TypeParam(_) | CelType::TypeVar(_) | CelType::Error
        ) || matches!(t, CelType::Type(inner) if **inner == CelType::Dyn)
    };
    if loose(a) || loose(b) {
        return true;
    }
    let nullable = |t: &CelType| {
        matches!(
            t,
            CelType::Null | CelType::Message(_) | CelType::Wrapper(_) | CelType::Optional(_)
        )
    };
    match (a, b) {
        (CelType::Null, other) | (other, CelType::Null) => nullable(other),
        (CelType::Wrapper(x), y) | (y, CelType::Wrapper(x)) => comparable(x, y),
        (CelType::List(x), CelType::List(y)) => comparable(x, y),
        (CelType::Map(k1, v1), CelType::Map(k2, v2)) => comparable(k1, k2) && comparable(v1, v2),
        _ => a == b,
    }
}

/// The tokens that can start a CEL operand, as cel-go's parser lists them.
const EXPRESSION_START: &str = "'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER";

/// cel-go's wording of each problem (the first line of its issue text).
fn compile_issues(e: &CompileError, source: &str) -> Vec<String> {
    match e {
        CompileError::Parse(errors) => errors
            .iter()
            .flat_map(|p| {
                let text = source.get(p.span.start..p.span.end).unwrap_or("");
                syntax_issue(
                    &p.message,
                    text,
                    source.get(..p.span.start).unwrap_or(""),
                    source.get(p.span.start..).unwrap_or(""),
                )
            })
            .collect(),
        CompileError::Check(errors) => errors
            .iter()
            // cel-go says nothing more about an operand that already failed.
            .filter(|c| {
                !matches!(&c.kind, cel_core::CheckErrorKind::UndefinedField { type_name, .. }
                    if type_name == "error" || type_name == "!error!")
            })
            .map(|c| match &c.kind {
                cel_core::CheckErrorKind::UndeclaredReference { container, name } => {
                    format!("undeclared reference to '{name}' (in container '{container}')")
                }
                cel_core::CheckErrorKind::NoMatchingOverload {
                    function,
                    arg_types,
                } => {
                    let names: Vec<String> = arg_types.iter().map(go_type_name).collect();
                    // cel-go writes a method call as `receiver.(args)`.
                    let text = source.get(c.span.start..c.span.end).unwrap_or("");
                    let member = text.contains(&format!(".{function}("));
                    match names.split_first() {
                        Some((receiver, args)) if member => format!(
                            "found no matching overload for '{function}' applied to '{receiver}.({})'",
                            args.join(", ")
                        ),
                        _ => format!(
                            "found no matching overload for '{function}' applied to '({})'",
                            names.join(", ")
                        ),
                    }
                }
                cel_core::CheckErrorKind::UndefinedField { type_name, field } => {
                    if is_primitive(type_name) {
                        let go_name = type_name.replace('<', "(").replace('>', ")");
                        format!("type '{go_name}' does not support field selection")
                    } else {
                        format!("undefined field '{field}'")
                    }
                }
                _ => c.message(),
            })
            .collect(),
        other => vec![other.to_string()],
    }
}

/// What may follow `[` in cel-go's grammar.
const LIST_START: &str = "'[', ']', '{', '(', '.', ',', '-', '!', '?', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER";

/// cel-go's (ANTLR's) words for a syntax error cel-core reports as
/// `message` over `text`, with `before` the source up to it and `rest` the
/// source from there on. The common shapes are mapped; anything else keeps
/// cel-core's wording.
///
/// ANTLR says "extraneous input" when dropping the offending token lets the
/// parse go on, and "mismatched input" when it does not; what it expects
/// depends on what came before (`(` of a call also takes `)`, `[` takes `]`).
fn syntax_issue(message: &str, text: &str, before: &str, rest: &str) -> Vec<String> {
    let after = rest.get(text.len()..).unwrap_or("").trim_start();
    let starts_operand = |s: &str| {
        s.chars().next().is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '(' | '[' | '{' | '.' | '-' | '!' | '\'' | '"')
        })
    };
    let lead = if after.is_empty() || starts_operand(after) {
        "extraneous"
    } else {
        "mismatched"
    };
    let eof = |expecting: &str| vec![format!("mismatched input '<EOF>' expecting {expecting}")];
    match message {
        "unexpected end of input" => eof(&format!("{{{EXPRESSION_START}}}")),
        "expected ')', found None" => vec!["missing ')' at '<EOF>'".into()],
        "expected ']', found None" => eof("{']', ','}"),
        "expected '}', found None" => eof("{'}', ','}"),
        "expected ':', found None" => eof("':'"),
        "unexpected tokens after expression" => {
            let lead = if after.is_empty() {
                "extraneous"
            } else {
                "mismatched"
            };
            vec![format!("{lead} input '{text}' expecting <EOF>")]
        }
        "expected identifier after '.', found None" => {
            vec!["no viable alternative at input '.'".into()]
        }
        "expected identifier after '.', found Some(Dot)" => {
            vec!["no viable alternative at input '..'".into()]
        }
        m if m.starts_with("unexpected token: ") => {
            let previous = before.trim_end();
            let expecting = if previous.ends_with('[') {
                LIST_START.to_string()
            } else if previous.ends_with('(')
                && previous[..previous.len() - 1]
                    .trim_end()
                    .ends_with(|c: char| c.is_alphanumeric() || c == '_')
            {
                EXPRESSION_START.replacen("'(', ", "'(', ')', ", 1)
            } else {
                EXPRESSION_START.to_string()
            };
            vec![format!("{lead} input '{text}' expecting {{{expecting}}}")]
        }
        m if m.starts_with("unexpected character ") => match rest.chars().next() {
            // An unterminated string: the lexer gives up on the rest of the
            // input, and the parser then misses an operand.
            Some(q @ ('\'' | '"')) if !rest[1..].contains(q) => vec![
                format!("mismatched input '<EOF>' expecting {{{EXPRESSION_START}}}"),
                format!("token recognition error at: '{rest}'"),
            ],
            Some(c) if c != '=' => vec![format!("token recognition error at: '{c}'")],
            _ => vec![format!("Syntax error: {message}")],
        },
        _ => vec![format!("Syntax error: {message}")],
    }
}

/// Types without fields, as cel-core names them in an undefined-field error.
fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "bool" | "int" | "uint" | "double" | "string" | "bytes" | "null" | "timestamp" | "duration"
    ) || name.starts_with("list")
        || name.starts_with("map")
}

/// cel-go's `FormatCELType`.
fn go_type_name(t: &CelType) -> String {
    match t {
        CelType::List(e) => format!("list({})", go_type_name(e)),
        CelType::Map(k, v) => format!("map({}, {})", go_type_name(k), go_type_name(v)),
        CelType::Timestamp => "timestamp".into(),
        CelType::Duration => "duration".into(),
        CelType::Error => "!error!".into(),
        CelType::Null => "null".into(),
        CelType::Wrapper(inner) => format!("wrapper({})", go_type_name(inner)),
        CelType::Type(inner) => format!("type({})", go_type_name(inner)),
        CelType::Optional(inner) => format!("optional_type({})", go_type_name(inner)),
        other => other.display_name(),
    }
}

/// The standard library, cel-go's string extension, protovalidate's
/// functions, `now`, and the image's message types.
fn base_env(pool: &DescriptorPool) -> Env {
    // Building the library is most of the cost of a check; each file's
    // checks run on a thread of their own (see `check`), so a per-thread
    // copy serves one file and one pool.
    thread_local! {
        static BASE: std::cell::RefCell<Option<Env>> = const { std::cell::RefCell::new(None) };
    }
    BASE.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| build_base_env(pool))
            .clone()
    })
}

fn build_base_env(pool: &DescriptorPool) -> Env {
    use CelType::{Bool, Bytes, Double, Int, String as Str, UInt};
    let mut env = Env::with_standard_library()
        .with_all_extensions()
        .with_proto_registry(Arc::new(Registry { pool: pool.clone() }))
        .with_variable("now", CelType::Timestamp);
    // protovalidate's own functions, all tests (bool results) on their
    // receiver, implemented so that examples can run through field CEL.
    // (The bytes forms of startsWith/endsWith/contains join the string ones
    // under one name, so their body serves both.)
    use CelValue as V;
    let declared: [(&str, Vec<CelType>, Test); 17] = [
        ("isNan", vec![Double], |a| match a {
            [V::Double(x)] => Some(x.is_nan()),
            _ => None,
        }),
        ("isInf", vec![Double], |a| match a {
            [V::Double(x)] => Some(x.is_infinite()),
            _ => None,
        }),
        ("isInf", vec![Double, Int], |a| match a {
            [V::Double(x), V::Int(sign)] => {
                Some(x.is_infinite() && (*sign == 0 || (*sign > 0) == x.is_sign_positive()))
            }
            _ => None,
        }),
        ("isEmail", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_email(s)),
            _ => None,
        }),
        ("isHostname", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_hostname(s)),
            _ => None,
        }),
        ("isIp", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_ip(s, 0)),
            _ => None,
        }),
        ("isIp", vec![Str, Int], |a| match a {
            [V::String(s), V::Int(v)] => Some(formats::is_ip(s, *v)),
            _ => None,
        }),
        ("isIpPrefix", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_ip_prefix(s, 0, false)),
            _ => None,
        }),
        ("isIpPrefix", vec![Str, Int], |a| match a {
            [V::String(s), V::Int(v)] => Some(formats::is_ip_prefix(s, *v, false)),
            _ => None,
        }),
        ("isIpPrefix", vec![Str, Bool], |a| match a {
            [V::String(s), V::Bool(strict)] => Some(formats::is_ip_prefix(s, 0, *strict)),
            _ => None,
        }),
        ("isIpPrefix", vec![Str, Int, Bool], |a| match a {
            [V::String(s), V::Int(v), V::Bool(strict)] => {
                Some(formats::is_ip_prefix(s, *v, *strict))
            }
            _ => None,
        }),
        ("isUri", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_uri(s)),
            _ => None,
        }),
        ("isUriRef", vec![Str], |a| match a {
            [V::String(s)] => Some(formats::is_uri_ref(s)),
            _ => None,
        }),
        ("isHostAndPort", vec![Str, Bool], |a| match a {
            [V::String(s), V::Bool(port)] => Some(formats::is_host_and_port(s, *port)),
            _ => None,
        }),
        ("startsWith", vec![Bytes, Bytes], |a| match a {
            [V::Bytes(x), V::Bytes(p)] => Some(x.starts_with(p)),
            [V::String(x), V::String(p)] => Some(x.starts_with(&**p)),
            _ => None,
        }),
        ("endsWith", vec![Bytes, Bytes], |a| match a {
            [V::Bytes(x), V::Bytes(p)] => Some(x.ends_with(p)),
            [V::String(x), V::String(p)] => Some(x.ends_with(&**p)),
            _ => None,
        }),
        ("contains", vec![Bytes, Bytes], |a| match a {
            [V::Bytes(x), V::Bytes(p)] => {
                Some(p.is_empty() || x.windows(p.len()).any(|w| w == p.as_ref()))
            }
            [V::String(x), V::String(p)] => Some(x.contains(&**p)),
            _ => None,
        }),
    ];
    for (name, params, test) in declared {
        let id = format!(
            "{name}_{}",
            params
                .iter()
                .map(CelType::display_name)
                .collect::<Vec<_>>()
                .join("_")
        );
        let overload = OverloadDecl::method(id, params, Bool)
            .with_impl(move |a: &[CelValue]| test(a).map_or(CelValue::Null, CelValue::Bool));
        env.add_function(FunctionDecl::new(name).with_overload(overload));
    }
    env.add_function(
        FunctionDecl::new("unique").with_overload(
            OverloadDecl::method(
                "list_unique",
                vec![CelType::list(CelType::TypeParam("T".into()))],
                Bool,
            )
            .with_type_params(vec!["T".into()]),
        ),
    );
    env.add_function(
        FunctionDecl::new("getField").with_overload(OverloadDecl::function(
            "get_field",
            vec![CelType::Dyn, Str],
            CelType::Dyn,
        )),
    );
    // cel-go compares int, uint and double with one another.
    let number = |v: &CelValue| match v {
        CelValue::Int(x) => Some(*x as f64),
        CelValue::UInt(x) => Some(*x as f64),
        CelValue::Double(x) => Some(*x),
        _ => None,
    };
    for (op, test) in [
        ("_<_", f64::lt as fn(&f64, &f64) -> bool),
        ("_<=_", f64::le),
        ("_>_", f64::gt),
        ("_>=_", f64::ge),
    ] {
        let mut decl = FunctionDecl::new(op);
        for (a, b) in [
            (Int, UInt),
            (Int, Double),
            (UInt, Int),
            (UInt, Double),
            (Double, Int),
            (Double, UInt),
        ] {
            let id = format!("{op}_{}_{}", a.display_name(), b.display_name());
            decl = decl.with_overload(OverloadDecl::function(id, vec![a, b], Bool).with_impl(
                move |args: &[CelValue]| match args {
                    [x, y] => match (number(x), number(y)) {
                        (Some(x), Some(y)) => CelValue::Bool(test(&x, &y)),
                        _ => CelValue::Null,
                    },
                    _ => CelValue::Null,
                },
            ));
        }
        env.add_function(decl);
    }
    env
}

/// A protovalidate test function's body: its result, or `None` for
/// arguments it does not take.
type Test = fn(&[CelValue]) -> Option<bool>;

/// The CEL type a `*Rules` message validates, as protovalidate declares
/// `this` for predefined rules.
fn rules_value_type(rules: &str) -> Option<CelType> {
    Some(match rules {
        "FloatRules" | "DoubleRules" => CelType::Double,
        "Int32Rules" | "Int64Rules" | "SInt32Rules" | "SInt64Rules" | "SFixed32Rules"
        | "SFixed64Rules" | "EnumRules" => CelType::Int,
        "UInt32Rules" | "UInt64Rules" | "Fixed32Rules" | "Fixed64Rules" => CelType::UInt,
        "BoolRules" => CelType::Bool,
        "StringRules" => CelType::String,
        "BytesRules" => CelType::Bytes,
        "RepeatedRules" => CelType::list(CelType::Dyn),
        "MapRules" => CelType::map(CelType::Dyn, CelType::Dyn),
        "AnyRules" => CelType::Dyn,
        "DurationRules" => CelType::Duration,
        "TimestampRules" => CelType::Timestamp,
        "FieldMaskRules" => CelType::message("google.protobuf.FieldMask"),
        _ => return None,
    })
}

/// `this` of a field rule: the element type when the rule applies to items.
fn field_type(target: &Target, for_items: bool) -> CelType {
    kind_type(&target.kind, target.is_list, target.is_map, for_items)
}

/// The CEL type of a protobuf field.
fn kind_type(kind: &Kind, is_list: bool, is_map: bool, for_items: bool) -> CelType {
    if is_map && let Kind::Message(m) = kind {
        return CelType::map(
            kind_type(&m.map_entry_key_field().kind(), false, false, false),
            kind_type(&m.map_entry_value_field().kind(), false, false, false),
        );
    }
    let element = match kind {
        Kind::Bool => CelType::Bool,
        Kind::Int32
        | Kind::Int64
        | Kind::Sint32
        | Kind::Sint64
        | Kind::Sfixed32
        | Kind::Sfixed64 => CelType::Int,
        Kind::Uint32 | Kind::Uint64 | Kind::Fixed32 | Kind::Fixed64 => CelType::UInt,
        Kind::Float | Kind::Double => CelType::Double,
        Kind::String => CelType::String,
        Kind::Bytes => CelType::Bytes,
        Kind::Enum(e) if e.full_name() == "google.protobuf.NullValue" => CelType::Null,
        Kind::Enum(_) => CelType::Int,
        Kind::Message(m) => message_type(m.full_name()),
    };
    if is_list && !for_items {
        CelType::list(element)
    } else {
        element
    }
}

/// Messages with a CEL form of their own, else the message type.
fn message_type(name: &str) -> CelType {
    match name {
        "google.protobuf.Timestamp" => CelType::Timestamp,
        "google.protobuf.Duration" => CelType::Duration,
        "google.protobuf.Any" | "google.protobuf.Value" => CelType::Dyn,
        "google.protobuf.Struct" => CelType::map(CelType::String, CelType::Dyn),
        "google.protobuf.ListValue" => CelType::list(CelType::Dyn),
        "google.protobuf.BoolValue" => CelType::wrapper(CelType::Bool),
        "google.protobuf.BytesValue" => CelType::wrapper(CelType::Bytes),
        "google.protobuf.DoubleValue" | "google.protobuf.FloatValue" => {
            CelType::wrapper(CelType::Double)
        }
        "google.protobuf.Int32Value" | "google.protobuf.Int64Value" => {
            CelType::wrapper(CelType::Int)
        }
        "google.protobuf.UInt32Value" | "google.protobuf.UInt64Value" => {
            CelType::wrapper(CelType::UInt)
        }
        "google.protobuf.StringValue" => CelType::wrapper(CelType::String),
        _ => CelType::message(name),
    }
}

/// Message and enum types of the image for the checker. Only type-checking
/// uses it; the evaluation half of the trait is never reached.
#[derive(Debug)]
struct Registry {
    pool: DescriptorPool,
}

impl ProtoTypeResolver for Registry {
    fn get_field_type(&self, message: &str, field: &str) -> Option<CelType> {
        let md = self.pool.get_message_by_name(message)?;
        let fd = md.get_field_by_name(field)?;
        Some(kind_type(&fd.kind(), fd.is_list(), fd.is_map(), false))
    }

    fn has_message(&self, message: &str) -> bool {
        self.pool.get_message_by_name(message).is_some()
    }

    fn is_extension(&self, message: &str, ext_name: &str) -> bool {
        self.pool
            .get_extension_by_name(ext_name)
            .is_some_and(|x| x.containing_message().full_name() == message)
    }

    fn get_enum_value(&self, enum_name: &str, value_name: &str) -> Option<i32> {
        self.pool
            .get_enum_by_name(enum_name)?
            .get_value_by_name(value_name)
            .map(|v| v.number())
    }

    fn resolve_qualified(&self, parts: &[&str], container: &str) -> Option<ResolvedProtoType> {
        let name = parts.join(".");
        for candidate in candidates(&name, container) {
            if self.pool.get_message_by_name(&candidate).is_some() {
                return Some(ResolvedProtoType::Message {
                    cel_type: message_type(&candidate),
                    name: candidate,
                });
            }
            if self.pool.get_enum_by_name(&candidate).is_some() {
                return Some(ResolvedProtoType::Enum {
                    cel_type: CelType::Int,
                    name: candidate,
                });
            }
            if let Some((enum_name, value)) = candidate.rsplit_once('.')
                && let Some(e) = self.pool.get_enum_by_name(enum_name)
                && let Some(v) = e.get_value_by_name(value)
            {
                return Some(ResolvedProtoType::EnumValue {
                    enum_name: enum_name.to_string(),
                    value: v.number(),
                });
            }
        }
        None
    }

    fn resolve_message_name(&self, name: &str, container: &str) -> Option<String> {
        candidates(name, container)
            .into_iter()
            .find(|c| self.pool.get_message_by_name(c).is_some())
    }

    fn message_field_names(&self, message: &str) -> Option<Vec<String>> {
        let md = self.pool.get_message_by_name(message)?;
        Some(md.fields().map(|f| f.name().to_string()).collect())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// C++-style lookup: `a.b.Name`, `a.Name`, `Name` for container `a.b`.
fn candidates(name: &str, container: &str) -> Vec<String> {
    let name = name.trim_start_matches('.');
    let mut out = Vec::new();
    let mut scope = container.to_string();
    loop {
        if scope.is_empty() {
            out.push(name.to_string());
            return out;
        }
        out.push(format!("{scope}.{name}"));
        match scope.rfind('.') {
            Some(i) => scope.truncate(i),
            None => scope.clear(),
        }
    }
}

impl ProtoRegistry for Registry {
    fn construct_message(&self, _: &str, _: &[StructFieldValue], _: bool) -> CelValue {
        CelValue::Null
    }
    fn message_field_access(
        &self,
        msg: &dyn MessageValue,
        field: &str,
        _: bool,
        _: bool,
    ) -> CelValue {
        let Some(m) = msg.as_any().downcast_ref::<Msg>() else {
            return CelValue::Null;
        };
        m.0.get_field_by_name(field)
            .and_then(|v| cel_value(&v))
            .unwrap_or(CelValue::Null)
    }
    fn message_has_field(&self, msg: &dyn MessageValue, field: &str) -> CelValue {
        let has = msg
            .as_any()
            .downcast_ref::<Msg>()
            .is_some_and(|m| m.0.has_field_by_name(field));
        CelValue::Bool(has)
    }
    fn get_extension_value(
        &self,
        _: &dyn MessageValue,
        _: &str,
        _: bool,
        _: bool,
    ) -> Option<CelValue> {
        None
    }
    fn has_extension(&self, _: &dyn MessageValue, _: &str) -> Option<bool> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The result type of `source`, or its problems.
    fn typed(env: &Env, source: &str) -> Result<CelType, Vec<String>> {
        compile(env, source).map(|ast| result_type(&ast))
    }

    fn env(this: CelType) -> Env {
        base_env(&DescriptorPool::new()).with_variable("this", this)
    }

    #[test]
    fn equality_needs_comparable_types_as_in_cel_go() {
        let e = env(CelType::Int);
        assert_eq!(
            typed(&e, "this == 1.0"),
            Err(vec![
                "found no matching overload for '_==_' applied to '(int, double)'".to_string()
            ])
        );
        assert_eq!(typed(&e, "this < 2.5 && this > 1u"), Ok(CelType::Bool));
        assert_eq!(
            typed(
                &env(CelType::wrapper(CelType::Int)),
                "this == null || this > 0"
            ),
            Ok(CelType::Bool)
        );
    }

    #[test]
    fn conditional_branches_must_agree() {
        let issues = typed(&env(CelType::Int), "this > 0 ? 1 : 'x'");
        assert_eq!(
            issues,
            Err(vec![
                "found no matching overload for '_?_:_' applied to '(bool, int, string)'"
                    .to_string()
            ])
        );
    }

    #[test]
    fn literal_format_strings_are_checked_against_their_arguments() {
        assert_eq!(
            format_issue("%s %s", &[CelType::String]).as_deref(),
            Some("index 1 out of range")
        );
        assert_eq!(
            format_issue("%s", &[CelType::Int, CelType::Int]).as_deref(),
            Some("too many arguments supplied to string.format (expected 1, got 2)")
        );
        assert_eq!(
            format_issue("%d%% of %.2f", &[CelType::Int, CelType::Double]),
            None
        );
        assert!(format_issue("%q", &[CelType::Int]).is_some_and(|m| m.contains("\"q\"")));
    }

    #[test]
    fn long_selection_chains_exceed_cel_go_s_recursion_limit() {
        let e = env(CelType::String);
        let chain = |n: usize| format!("this{} == ''", ".x".repeat(n));
        assert_eq!(
            typed(&e, &chain(251)),
            Err(vec!["max recursion depth exceeded".to_string()])
        );
        assert_eq!(
            typed(&e, &chain(250)),
            Err(vec![
                "type 'string' does not support field selection".to_string()
            ])
        );
    }

    #[test]
    fn deep_nesting_is_cut_off_before_the_parser() {
        let deep = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(nesting_depth(&deep) > MAX_NESTING);
        assert_eq!(nesting_depth("'((('"), 0);
    }
}
