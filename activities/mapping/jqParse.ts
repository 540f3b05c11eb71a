// jq source text -> syntax tree. A hand-written recursive-descent parser over an on-demand lexer, so string
// interpolation (`"a\(.b)"`) can parse the inner expression in place. Precedence follows jq's grammar:
// `|` < `,` < `//` < assignments < `or` < `and` < comparisons < `+ -` < `* / %` < postfix terms.

export type Node =
  | { t: 'identity' }
  | { t: 'recurse' }
  | { t: 'literal'; value: null | boolean | number | string }
  | { t: 'string'; parts: (string | Node)[]; format: string | null }
  | { t: 'format'; name: string }
  | { t: 'index'; target: Node; index: Node }
  | { t: 'slice'; target: Node; from: Node | null; to: Node | null }
  | { t: 'iterate'; target: Node }
  | { t: 'try'; body: Node; handler: Node | null }
  | { t: 'array'; body: Node | null }
  | { t: 'object'; entries: { key: Node; value: Node }[] }
  | { t: 'neg'; body: Node }
  | { t: 'pipe'; left: Node; right: Node }
  | { t: 'comma'; left: Node; right: Node }
  | { t: 'alt'; left: Node; right: Node }
  | { t: 'and' | 'or'; left: Node; right: Node }
  | { t: 'binop'; op: BinaryOp; left: Node; right: Node }
  | { t: 'assign'; op: AssignOp; left: Node; right: Node }
  | { t: 'if'; cond: Node; then: Node; else: Node | null }
  | { t: 'reduce'; source: Node; pattern: Pattern; init: Node; update: Node }
  | { t: 'foreach'; source: Node; pattern: Pattern; init: Node; update: Node; extract: Node | null }
  | { t: 'bind'; source: Node; pattern: Pattern; body: Node }
  | { t: 'def'; name: string; params: string[]; body: Node; rest: Node }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'var'; name: string };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type AssignOp = '=' | '|=' | '+=' | '-=' | '*=' | '/=' | '%=' | '//=';

/** A destructuring pattern: `$x`, `[$a, $b]`, `{a: $x, $b, "c": [$d]}`. */
export type Pattern =
  | { t: 'var'; name: string }
  | { t: 'array'; items: Pattern[] }
  | { t: 'object'; entries: { key: Node; name: string | null; value: Pattern | null }[] };

export class JqSyntaxError extends Error {}

type Token =
  | { k: 'num'; v: number; at: number }
  | { k: 'str'; at: number } // the lexer stops before the quote; the parser reads the string itself
  | { k: 'ident'; v: string; at: number }
  | { k: 'field'; v: string; at: number } // `.foo`
  | { k: 'var'; v: string; at: number }
  | { k: 'format'; v: string; at: number }
  | { k: 'op'; v: string; at: number }
  | { k: 'eof'; at: number };

const KEYWORDS = new Set(['def', 'if', 'then', 'elif', 'else', 'end', 'as', 'reduce', 'foreach', 'try', 'catch', 'label', 'import', 'include', 'and', 'or', '__loc__']);
// Longest first, so `//=` wins over `//` and `/`.
const OPS = ['?//', '|=', '+=', '-=', '*=', '/=', '%=', '//=', '==', '!=', '<=', '>=', '//', '..', '|', ',', '+', '-', '*', '/', '%', '=', '<', '>', '.', '[', ']', '(', ')', '{', '}', ':', ';', '?']
  .sort((a, b) => b.length - a.length);
const IDENT = /[a-zA-Z_][a-zA-Z0-9_]*(?:::[a-zA-Z_][a-zA-Z0-9_]*)*/y;
const NUMBER = /(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const SPACE = /(?:\s+|#[^\n]*)*/y;

export function parse(src: string): Node {
  return new Parser(src).program();
}

class Parser {
  private pos = 0;
  private tok: Token;
  /** Postfix terms parsed at a position: `pipe()` tries a term before knowing whether `as` follows, and
   * re-parsing it on fallback would be exponential in the nesting depth. */
  private readonly terms = new Map<number, { node: Node; pos: number; tok: Token }>();

  constructor(private readonly src: string) {
    this.tok = this.lex();
  }

  program(): Node {
    const node = this.pipe();
    if (this.tok.k !== 'eof') this.fail('unexpected', this.tok);
    return node;
  }

  // --- lexer -------------------------------------------------------------------------------------

  private lex(): Token {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.src);
    this.pos = SPACE.lastIndex;
    const at = this.pos;
    const s = this.src;
    if (at >= s.length) return { k: 'eof', at };
    const c = s[at]!;
    if (c === '"') return { k: 'str', at };
    if (c === '.' && /[a-zA-Z_]/.test(s[at + 1] ?? '')) {
      IDENT.lastIndex = at + 1;
      const m = IDENT.exec(s)!;
      this.pos = IDENT.lastIndex;
      return { k: 'field', v: m[0], at };
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[at + 1] ?? ''))) {
      NUMBER.lastIndex = at;
      const m = NUMBER.exec(s)!;
      this.pos = NUMBER.lastIndex;
      return { k: 'num', v: Number(m[0]), at };
    }
    if ((c === '$' || c === '@') && /[a-zA-Z_]/.test(s[at + 1] ?? '')) {
      IDENT.lastIndex = at + 1;
      const m = IDENT.exec(s)!;
      this.pos = IDENT.lastIndex;
      return { k: c === '$' ? 'var' : 'format', v: m[0], at };
    }
    if (/[a-zA-Z_]/.test(c)) {
      IDENT.lastIndex = at;
      const m = IDENT.exec(s)!;
      this.pos = IDENT.lastIndex;
      return { k: 'ident', v: m[0], at };
    }
    for (const op of OPS) {
      if (s.startsWith(op, at)) {
        this.pos = at + op.length;
        return { k: 'op', v: op, at };
      }
    }
    return this.fail(`unexpected character '${c}'`);
  }

  private next(): Token {
    const t = this.tok;
    this.tok = this.lex();
    return t;
  }

  private isOp(v: string): boolean {
    return this.tok.k === 'op' && this.tok.v === v;
  }

  private isWord(v: string): boolean {
    return this.tok.k === 'ident' && this.tok.v === v;
  }

  private eat(v: string): boolean {
    if ((this.tok.k === 'op' || this.tok.k === 'ident') && this.tok.v === v) {
      this.next();
      return true;
    }
    return false;
  }

  private expect(v: string): void {
    if (!this.eat(v)) this.fail(`expected '${v}'`, this.tok);
  }

  private fail(what: string, tok?: Token): never {
    const at = tok?.at ?? this.pos;
    const found = tok ? (tok.k === 'eof' ? 'end of expression' : `'${this.src.slice(at, at + 12).split(/\s/)[0]}'`) : '';
    throw new JqSyntaxError(`syntax error: ${what}${found ? ` ${tok && what.startsWith('unexpected') ? '' : 'but found '}${found}` : ''} at column ${at + 1}`);
  }

  // --- grammar -----------------------------------------------------------------------------------

  /** Pipe: `def`s, `Term as $x | body`, `label` and `a | b` (right-associative). */
  private pipe(): Node {
    if (this.isWord('def')) {
      const { name, params, body } = this.funcDef();
      return { t: 'def', name, params, body, rest: this.pipe() };
    }
    if (this.isWord('label')) this.fail('label/break is not supported', this.tok);
    // `Term as Patterns | Pipe`: try a postfix term first and fall back when no `as` follows.
    const mark = { pos: this.pos, tok: this.tok };
    if (this.startsTerm()) {
      const source = this.postfix();
      if (this.isWord('as')) {
        this.next();
        const pattern = this.pattern();
        if (this.isOp('?//')) this.fail('destructuring alternatives (?//) are not supported', this.tok);
        this.expect('|');
        return { t: 'bind', source, pattern, body: this.pipe() };
      }
      this.pos = mark.pos;
      this.tok = mark.tok;
    }
    const left = this.comma();
    if (this.eat('|')) return { t: 'pipe', left, right: this.pipe() };
    return left;
  }

  private funcDef(): { name: string; params: string[]; body: Node } {
    this.expect('def');
    const nameTok = this.next();
    if (nameTok.k !== 'ident' || KEYWORDS.has(nameTok.v)) this.fail('expected a function name', nameTok);
    const params: string[] = [];
    if (this.eat('(')) {
      do {
        const p = this.next();
        if (p.k === 'var') params.push('$' + p.v);
        else if (p.k === 'ident' && !KEYWORDS.has(p.v)) params.push(p.v);
        else this.fail('expected a parameter name', p);
      } while (this.eat(';'));
      this.expect(')');
    }
    this.expect(':');
    const body = this.pipe();
    this.expect(';');
    return { name: nameTok.v, params, body };
  }

  private pattern(): Pattern {
    const tok = this.tok;
    if (tok.k === 'var') {
      this.next();
      return { t: 'var', name: tok.v };
    }
    if (this.eat('[')) {
      const items: Pattern[] = [];
      do items.push(this.pattern());
      while (this.eat(','));
      this.expect(']');
      return { t: 'array', items };
    }
    if (this.eat('{')) {
      const entries: { key: Node; name: string | null; value: Pattern | null }[] = [];
      do {
        const k = this.tok;
        if (k.k === 'var') {
          this.next();
          const value = this.eat(':') ? this.pattern() : null;
          entries.push({ key: { t: 'literal', value: k.v }, name: k.v, value });
        } else {
          let key: Node;
          if (k.k === 'ident' && !KEYWORDS.has(k.v)) key = (this.next(), { t: 'literal', value: k.v });
          else if (k.k === 'str') key = this.string(null);
          else if (this.eat('(')) key = (() => { const e = this.pipe(); this.expect(')'); return e; })();
          else this.fail('expected an object pattern key', k);
          this.expect(':');
          entries.push({ key, name: null, value: this.pattern() });
        }
      } while (this.eat(','));
      this.expect('}');
      return { t: 'object', entries };
    }
    return this.fail('expected a variable or a destructuring pattern', tok);
  }

  private comma(): Node {
    let left = this.alt();
    while (this.eat(',')) left = { t: 'comma', left, right: this.alt() };
    return left;
  }

  private alt(): Node {
    const left = this.assignment();
    if (this.eat('//')) return { t: 'alt', left, right: this.alt() };
    return left;
  }

  private assignment(): Node {
    const left = this.or();
    const tok = this.tok;
    if (tok.k === 'op' && ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//='].includes(tok.v)) {
      this.next();
      return { t: 'assign', op: tok.v as AssignOp, left, right: this.alt() };
    }
    return left;
  }

  private or(): Node {
    let left = this.and();
    while (this.eat('or')) left = { t: 'or', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.comparison();
    while (this.eat('and')) left = { t: 'and', left, right: this.comparison() };
    return left;
  }

  private comparison(): Node {
    const left = this.additive();
    const tok = this.tok;
    if (tok.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(tok.v)) {
      this.next();
      const node: Node = { t: 'binop', op: tok.v as BinaryOp, left, right: this.additive() };
      const again = this.tok;
      if (again.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(again.v)) this.fail('unexpected', again);
      return node;
    }
    return left;
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const tok = this.tok;
      if (tok.k !== 'op' || (tok.v !== '+' && tok.v !== '-')) return left;
      this.next();
      left = { t: 'binop', op: tok.v, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Node {
    let left = this.unary();
    for (;;) {
      const tok = this.tok;
      if (tok.k !== 'op' || (tok.v !== '*' && tok.v !== '/' && tok.v !== '%')) return left;
      this.next();
      left = { t: 'binop', op: tok.v, left, right: this.unary() };
    }
  }

  private unary(): Node {
    if (this.eat('-')) return { t: 'neg', body: this.unary() };
    return this.postfix();
  }

  private startsTerm(): boolean {
    const t = this.tok;
    if (t.k === 'eof') return false;
    if (t.k === 'op') return ['.', '..', '[', '(', '{'].includes(t.v);
    if (t.k === 'ident') return !KEYWORDS.has(t.v) || ['if', 'reduce', 'foreach', 'try'].includes(t.v);
    return true;
  }

  /** A term followed by any number of `.foo`, `[e]`, `[]`, `[a:b]`, `?`. */
  private postfix(): Node {
    const start = this.tok.at;
    const seen = this.terms.get(start);
    if (seen) {
      this.pos = seen.pos;
      this.tok = seen.tok;
      return seen.node;
    }
    const node = this.postfixUncached();
    this.terms.set(start, { node, pos: this.pos, tok: this.tok });
    return node;
  }

  private postfixUncached(): Node {
    let node = this.term();
    for (;;) {
      const tok = this.tok;
      if (tok.k === 'field') {
        this.next();
        node = { t: 'index', target: node, index: { t: 'literal', value: tok.v } };
      } else if (this.isOp('.') ) {
        // `."foo"` or `.[...]` after a term
        this.next();
        if (this.tok.k === 'str') node = { t: 'index', target: node, index: this.string(null) };
        else if (this.isOp('[')) node = this.bracket(node);
        else this.fail('unexpected', this.tok);
      } else if (this.isOp('[')) {
        node = this.bracket(node);
      } else if (this.isOp('?')) {
        this.next();
        node = { t: 'try', body: node, handler: null };
      } else {
        return node;
      }
    }
  }

  /** `[]`, `[e]`, `[e:]`, `[:e]`, `[e:e]` applied to `target`. */
  private bracket(target: Node): Node {
    this.expect('[');
    if (this.eat(']')) return { t: 'iterate', target };
    if (this.eat(':')) {
      const to = this.pipe();
      this.expect(']');
      return { t: 'slice', target, from: null, to };
    }
    const index = this.pipe();
    if (this.eat(':')) {
      const to = this.isOp(']') ? null : this.pipe();
      this.expect(']');
      return { t: 'slice', target, from: index, to };
    }
    this.expect(']');
    return { t: 'index', target, index };
  }

  private term(): Node {
    const tok = this.tok;
    switch (tok.k) {
      case 'num':
        this.next();
        return { t: 'literal', value: tok.v };
      case 'str':
        return this.string(null);
      case 'field':
        this.next();
        return { t: 'index', target: { t: 'identity' }, index: { t: 'literal', value: tok.v } };
      case 'var':
        this.next();
        if (tok.v === '__loc__') this.fail('$__loc__ is not supported', tok);
        return { t: 'var', name: tok.v };
      case 'format':
        this.next();
        if (this.tok.k === 'str') return this.string(tok.v);
        return { t: 'format', name: tok.v };
      case 'ident':
        return this.word(tok.v);
      case 'op':
        break;
      default:
        return this.fail('unexpected', tok);
    }
    switch (tok.v) {
      case '.': {
        this.next();
        if (this.tok.k === 'str') return { t: 'index', target: { t: 'identity' }, index: this.string(null) };
        if (this.isOp('[') && this.tok.at === tok.at + 1) return this.bracket({ t: 'identity' });
        return { t: 'identity' };
      }
      case '..':
        this.next();
        return { t: 'recurse' };
      case '(': {
        this.next();
        const e = this.pipe();
        this.expect(')');
        return e;
      }
      case '[': {
        this.next();
        if (this.eat(']')) return { t: 'array', body: null };
        const body = this.pipe();
        this.expect(']');
        return { t: 'array', body };
      }
      case '{':
        return this.object();
      default:
        return this.fail('unexpected', tok);
    }
  }

  private word(name: string): Node {
    switch (name) {
      case 'if':
        return this.ifThen();
      case 'try': {
        this.next();
        const body = this.postfixOrUnary();
        const handler = this.eat('catch') ? this.postfixOrUnary() : null;
        return { t: 'try', body, handler };
      }
      case 'reduce': {
        this.next();
        const source = this.postfix();
        this.expect('as');
        const pattern = this.pattern();
        this.expect('(');
        const init = this.pipe();
        this.expect(';');
        const update = this.pipe();
        this.expect(')');
        return { t: 'reduce', source, pattern, init, update };
      }
      case 'foreach': {
        this.next();
        const source = this.postfix();
        this.expect('as');
        const pattern = this.pattern();
        this.expect('(');
        const init = this.pipe();
        this.expect(';');
        const update = this.pipe();
        const extract = this.eat(';') ? this.pipe() : null;
        this.expect(')');
        return { t: 'foreach', source, pattern, init, update, extract };
      }
      case 'def': {
        const { name: fname, params, body } = this.funcDef();
        return { t: 'def', name: fname, params, body, rest: this.pipe() };
      }
      default:
        if (KEYWORDS.has(name)) this.fail('unexpected', this.tok);
    }
    this.next();
    if (name === 'true' || name === 'false') return { t: 'literal', value: name === 'true' };
    if (name === 'null') return { t: 'literal', value: null };
    const args: Node[] = [];
    if (this.eat('(')) {
      do args.push(this.pipe());
      while (this.eat(';'));
      this.expect(')');
    }
    return { t: 'call', name, args };
  }

  private postfixOrUnary(): Node {
    return this.isOp('-') ? this.unary() : this.postfix();
  }

  /** `if c then a (elif c then a)* (else b)? end`; a missing `else` (jq 1.7) means `else .`. */
  private ifThen(): Node {
    this.next();
    const cond = this.pipe();
    this.expect('then');
    const then = this.pipe();
    if (this.isWord('elif')) return { t: 'if', cond, then, else: this.ifThen() };
    const otherwise = this.eat('else') ? this.pipe() : null;
    this.expect('end');
    return { t: 'if', cond, then, else: otherwise };
  }

  private object(): Node {
    this.expect('{');
    const entries: { key: Node; value: Node }[] = [];
    if (this.eat('}')) return { t: 'object', entries };
    do {
      const tok = this.tok;
      let key: Node;
      let shorthand: Node | null = null;
      if (tok.k === 'var') {
        this.next();
        key = { t: 'literal', value: tok.v };
        shorthand = { t: 'var', name: tok.v };
      } else if (tok.k === 'ident') {
        this.next();
        key = { t: 'literal', value: tok.v };
        shorthand = { t: 'index', target: { t: 'identity' }, index: key };
      } else if (tok.k === 'num') {
        return this.fail('object keys must be strings', tok);
      } else if (tok.k === 'str' || tok.k === 'format') {
        key = tok.k === 'str' ? this.string(null) : (this.next(), this.string(tok.v));
        shorthand = { t: 'index', target: { t: 'identity' }, index: key };
      } else if (this.eat('(')) {
        key = this.pipe();
        this.expect(')');
      } else {
        return this.fail('unexpected', tok);
      }
      if (this.eat(':')) entries.push({ key, value: this.objectValue() });
      else if (shorthand) entries.push({ key, value: shorthand });
      else this.fail("expected ':'", this.tok);
    } while (this.eat(','));
    this.expect('}');
    return { t: 'object', entries };
  }

  /** An object value is a pipe of postfix terms: `{a: .b | length}` is fine, `{a: 1 + 2}` is not (jq's ExpD). */
  private objectValue(): Node {
    const left = this.postfixOrUnary();
    if (this.eat('|')) return { t: 'pipe', left, right: this.objectValue() };
    return left;
  }

  /** A string literal at the current token, with `\(...)` interpolations parsed in place. */
  private string(format: string | null): Node {
    const s = this.src;
    let i = this.tok.at + 1;
    const parts: (string | Node)[] = [];
    let buf = '';
    for (;;) {
      if (i >= s.length) this.fail('unterminated string', this.tok);
      const c = s[i]!;
      if (c === '"') break;
      if (c !== '\\') {
        buf += c;
        i++;
        continue;
      }
      const e = s[i + 1];
      i += 2;
      if (e === '(') {
        if (buf) parts.push(buf);
        buf = '';
        this.pos = i;
        this.tok = this.lex();
        parts.push(this.pipe());
        if (!this.isOp(')')) this.fail("expected ')' to close the interpolation", this.tok);
        i = this.tok.at + 1;
        continue;
      }
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) buf += simple[e];
      else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i, i + 4))) {
        buf += String.fromCharCode(parseInt(s.slice(i, i + 4), 16));
        i += 4;
      } else this.fail(`invalid escape '\\${e ?? ''}' in string`);
    }
    if (buf || parts.length === 0) parts.push(buf);
    this.pos = i + 1;
    this.tok = this.lex();
    if (parts.length === 1 && typeof parts[0] === 'string' && format === null) return { t: 'literal', value: parts[0] };
    return { t: 'string', parts, format };
  }
}
