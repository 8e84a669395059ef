//! perflab's attributes:
//!
//! - `#[instrument]` records each call of a function in perflab's function profiler
//!   (cProfile's role): the call, its caller, its time with and without callees.
//! - `#[profile]` records each statement of a function in perflab's line profiler
//!   (line_profiler's `@profile`): hits, time and memory per line, loop bodies per pass.
//!
//! Both cost one relaxed atomic load per call while no profiling session is on. The
//! generated code names `::perflab`, so the crate using them depends on perflab (perflab
//! itself declares `extern crate self as perflab`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{ToTokens, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Expr, ItemFn, Stmt, parse_macro_input, parse_quote};

/// Records every call of the function in perflab's function profiler.
#[proc_macro_attribute]
pub fn instrument(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "#[instrument] takes no arguments")
            .to_compile_error()
            .into();
    }
    let mut f = parse_macro_input!(item as ItemFn);
    let name = f.sig.ident.to_string();
    let line = f.sig.ident.span().start().line as u32;
    let block = &f.block;
    // Two copies of the body: the recorded one, and the original for when no session is
    // running, so that an unprofiled call costs one load and branch, and the compiler
    // optimizes the body as if the attribute were not there (no scope to drop).
    let body: Block = parse_quote!({
        static __PERFLAB_SITE: ::perflab::profile::func::Site =
            ::perflab::profile::func::Site::new(#name, module_path!(), file!(), #line);
        if ::perflab::profile::func::enabled() {
            let __perflab_scope = ::perflab::profile::func::enter(&__PERFLAB_SITE);
            #block
        } else #block
    });
    f.block = Box::new(body);
    f.into_token_stream().into()
}

/// Records every statement of the function in perflab's line profiler.
#[proc_macro_attribute]
pub fn profile(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "#[profile] takes no arguments")
            .to_compile_error()
            .into();
    }
    let f = parse_macro_input!(item as ItemFn);
    let first = first_line(&f);
    let last = f.block.brace_token.span.close().end().line;
    let lines = (last + 1).saturating_sub(first) as u32;
    let source = source_lines(&f, first, last);
    let name = f.sig.ident.to_string();
    let original = &f.block;
    let mut marked = (*f.block).clone();
    mark_block(&mut marked, first, None);
    let mut out = f.clone();
    let first = first as u32;
    out.block = Box::new(parse_quote!({
        static __PERFLAB_LINES: ::perflab::profile::lines::LineFn =
            ::perflab::profile::lines::LineFn::new(
                #name, module_path!(), file!(), #first, #source, #lines,
            );
        if ::perflab::profile::lines::enabled() {
            let __perflab_call = ::perflab::profile::lines::enter(&__PERFLAB_LINES);
            #marked
        } else #original
    }));
    out.into_token_stream().into()
}

/// The first line of the item: its attributes, visibility or `fn`.
fn first_line(f: &ItemFn) -> usize {
    let mut line = f.sig.span().start().line;
    if let Some(a) = f.attrs.first() {
        line = line.min(a.span().start().line);
    }
    line.min(f.vis.span().start().line.max(1))
}

/// The source of lines `first..=last`, read from the file the function is in; empty lines
/// where the compiler cannot say (e.g. in an IDE's expansion).
fn source_lines(f: &ItemFn, first: usize, last: usize) -> String {
    let text = f
        .sig
        .fn_token
        .span
        .local_file()
        .and_then(|p| std::fs::read_to_string(p).ok());
    match text {
        Some(t) if first >= 1 => t
            .lines()
            .skip(first - 1)
            .take(last + 1 - first)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn mark_call(offset: usize, span: Span) -> Stmt {
    let offset = offset as u32;
    let tokens: TokenStream2 = quote_spanned!(span=> ::perflab::profile::lines::mark(#offset););
    syn::parse2(tokens).expect("a mark is a statement")
}

/// Puts a mark before every statement of `block`, recursing into the blocks of loops,
/// `if`s, `match` arms and plain blocks; a loop body also ends with a mark of the loop's
/// own line (`end_mark`).
fn mark_block(block: &mut Block, first: usize, end_mark: Option<usize>) {
    let stmts = std::mem::take(&mut block.stmts);
    for mut stmt in stmts {
        let line = stmt.span().start().line;
        let offset = line.saturating_sub(first);
        match &mut stmt {
            Stmt::Item(_) => {
                block.stmts.push(stmt);
                continue;
            }
            Stmt::Local(local) => {
                if let Some(init) = &mut local.init {
                    mark_expr(&mut init.expr, first);
                }
            }
            Stmt::Expr(expr, _) => mark_expr(expr, first),
            Stmt::Macro(_) => {}
        }
        block.stmts.push(mark_call(offset, Span::call_site()));
        block.stmts.push(stmt);
    }
    if let Some(offset) = end_mark {
        // A loop body's value is `()`, so a tail expression can take a semicolon and the
        // end mark can follow it.
        if let Some(Stmt::Expr(_, semi @ None)) = block.stmts.last_mut() {
            *semi = Some(Default::default());
        }
        block.stmts.push(mark_call(offset, Span::call_site()));
    }
}

fn mark_expr(expr: &mut Expr, first: usize) {
    let line = expr.span().start().line;
    let offset = line.saturating_sub(first);
    match expr {
        Expr::ForLoop(e) => mark_block(&mut e.body, first, Some(offset)),
        Expr::While(e) => mark_block(&mut e.body, first, Some(offset)),
        Expr::Loop(e) => mark_block(&mut e.body, first, Some(offset)),
        Expr::If(e) => {
            mark_block(&mut e.then_branch, first, None);
            if let Some((_, other)) = &mut e.else_branch {
                mark_expr(other, first);
            }
        }
        Expr::Block(e) => mark_block(&mut e.block, first, None),
        Expr::Unsafe(e) => mark_block(&mut e.block, first, None),
        Expr::Match(e) => {
            for arm in &mut e.arms {
                if let Expr::Block(b) = &mut *arm.body {
                    mark_block(&mut b.block, first, None);
                }
            }
        }
        _ => {}
    }
}
