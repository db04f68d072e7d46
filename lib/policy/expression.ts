// Attribute expressions for layer-3 rules: `department == "Engineering" && !(location in ["RU", "KP"])`.
// A hand-written tokenizer + recursive-descent parser into a small AST, evaluated by a tree walk:
// no eval, no Function, no property access on objects (attributes are looked up by their full name
// in a plain record with Object.hasOwn), bounded source length and nesting depth.
//
// Grammar:
//   expr    := and ("||" and)*
//   and     := unary ("&&" unary)*
//   unary   := "!" unary | "(" expr ")" | compare
//   compare := operand ("==" | "!=" | "in") operand
//   operand := IDENT ("." IDENT)* | STRING | "[" (STRING ("," STRING)*)? "]"
//
// Semantics: a missing attribute makes every comparison it is part of false (`!=` included), so
// `dept != "Sales"` does not let in someone with no department. `x in [..]` is membership; when x
// is a list attribute, true if any element is in the list; `"a" in groups` tests a list attribute.
// `==` between a list attribute and a string is false (use `in`).
export const MAX_EXPRESSION_LENGTH = 2000;
export const MAX_EXPRESSION_DEPTH = 32;

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

type Value = string | string[] | undefined;
export type Operand = { kind: "attr"; name: string } | { kind: "str"; value: string } | { kind: "list"; values: string[] };
export type ExprNode =
  | { kind: "or" | "and"; items: ExprNode[] }
  | { kind: "not"; item: ExprNode }
  | { kind: "cmp"; op: "==" | "!=" | "in"; left: Operand; right: Operand };

type Token =
  | { t: "ident"; v: string; pos: number }
  | { t: "str"; v: string; pos: number }
  | { t: "op"; v: "==" | "!=" | "&&" | "||" | "!" | "(" | ")" | "[" | "]" | "," | "in"; pos: number }
  | { t: "end"; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "&&" || two === "||") {
      out.push({ t: "op", v: two, pos: i });
      i += 2;
      continue;
    }
    if (c === "!" || c === "(" || c === ")" || c === "[" || c === "]" || c === ",") {
      out.push({ t: "op", v: c, pos: i });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError("Unterminated string", start);
        const d = src[i];
        if (d === c) break;
        if (d === "\\") {
          const e = src[i + 1];
          if (e === undefined) throw new ExpressionError("Unterminated string", start);
          if (e === "n") v += "\n";
          else if (e === "t") v += "\t";
          else if (e === "\\" || e === '"' || e === "'") v += e;
          else throw new ExpressionError(`Unknown escape \\${e}`, i);
          i += 2;
          continue;
        }
        v += d;
        i++;
      }
      i++;
      out.push({ t: "str", v, pos: start });
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i, i + 256));
    if (m) {
      if (m[0] === "in") out.push({ t: "op", v: "in", pos: i });
      else out.push({ t: "ident", v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === "=") throw new ExpressionError('Unexpected "=" (use == to compare)', i);
    if (c === "&" || c === "|") throw new ExpressionError(`Unexpected "${c}" (use ${c}${c})`, i);
    throw new ExpressionError(`Unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ t: "end", pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.tokens[this.i];
    return t.t === "op" && t.v === v;
  }
  private expect(v: string, what: string): void {
    if (!this.isOp(v)) throw new ExpressionError(`Expected ${what}`, this.peek().pos);
    this.i++;
  }

  parseAll(): ExprNode {
    const node = this.expr(0);
    const t = this.peek();
    if (t.t !== "end") throw new ExpressionError(`Unexpected ${describe(t)}; expected && or || or the end`, t.pos);
    return node;
  }

  private expr(depth: number): ExprNode {
    if (depth > MAX_EXPRESSION_DEPTH) throw new ExpressionError(`Expression nested deeper than ${MAX_EXPRESSION_DEPTH}`, this.peek().pos);
    const items = [this.and(depth)];
    while (this.isOp("||")) {
      this.i++;
      items.push(this.and(depth));
    }
    return items.length === 1 ? items[0] : { kind: "or", items };
  }

  private and(depth: number): ExprNode {
    const items = [this.unary(depth)];
    while (this.isOp("&&")) {
      this.i++;
      items.push(this.unary(depth));
    }
    return items.length === 1 ? items[0] : { kind: "and", items };
  }

  private unary(depth: number): ExprNode {
    if (depth > MAX_EXPRESSION_DEPTH) throw new ExpressionError(`Expression nested deeper than ${MAX_EXPRESSION_DEPTH}`, this.peek().pos);
    if (this.isOp("!")) {
      this.i++;
      return { kind: "not", item: this.unary(depth + 1) };
    }
    if (this.isOp("(")) {
      this.i++;
      const inner = this.expr(depth + 1);
      this.expect(")", '")"');
      return inner;
    }
    const left = this.operand();
    const t = this.peek();
    if (t.t === "op" && (t.v === "==" || t.v === "!=" || t.v === "in")) {
      this.i++;
      const right = this.operand();
      return { kind: "cmp", op: t.v, left, right };
    }
    throw new ExpressionError(`Expected ==, != or in after ${describeOperand(left)}`, t.pos);
  }

  private operand(): Operand {
    const t = this.peek();
    if (t.t === "ident") {
      this.i++;
      return { kind: "attr", name: t.v };
    }
    if (t.t === "str") {
      this.i++;
      return { kind: "str", value: t.v };
    }
    if (this.isOp("[")) {
      this.i++;
      const values: string[] = [];
      if (!this.isOp("]")) {
        for (;;) {
          const s = this.peek();
          if (s.t !== "str") throw new ExpressionError("Expected a string in the list", s.pos);
          values.push(s.v);
          this.i++;
          if (this.isOp(",")) {
            this.i++;
            continue;
          }
          break;
        }
      }
      this.expect("]", '"]" to close the list');
      return { kind: "list", values };
    }
    throw new ExpressionError(`Expected an attribute name, a "string" or a [list], found ${describe(t)}`, t.pos);
  }
}

function describe(t: Token): string {
  if (t.t === "end") return "the end";
  if (t.t === "str") return `string ${JSON.stringify(t.v)}`;
  return `"${t.v}"`;
}

function describeOperand(o: Operand): string {
  if (o.kind === "attr") return o.name;
  if (o.kind === "str") return JSON.stringify(o.value);
  return "a list";
}

export interface ParsedExpression {
  source: string;
  ast: ExprNode;
  /** Attribute names the expression reads (for the console and the simulator). */
  attributes: string[];
}

/** Parses an expression; throws ExpressionError (with a position) when it does not parse. */
export function parseExpression(source: string): ParsedExpression {
  if (typeof source !== "string") throw new ExpressionError("Expression must be a string", 0);
  if (source.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`Expression longer than ${MAX_EXPRESSION_LENGTH} characters`, MAX_EXPRESSION_LENGTH);
  if (source.trim() === "") throw new ExpressionError("Expression is empty", 0);
  const ast = new Parser(tokenize(source)).parseAll();
  const attributes = new Set<string>();
  const stack: ExprNode[] = [ast];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.kind === "cmp") {
      if (n.left.kind === "attr") attributes.add(n.left.name);
      if (n.right.kind === "attr") attributes.add(n.right.name);
    } else if (n.kind === "not") stack.push(n.item);
    else stack.push(...n.items);
  }
  return { source, ast, attributes: [...attributes] };
}

/** Null when the expression parses, else the error message (with position). */
export function expressionError(source: string): string | null {
  try {
    parseExpression(source);
    return null;
  } catch (err) {
    if (err instanceof ExpressionError) return err.message;
    throw err;
  }
}

export type Attributes = Record<string, string | string[]>;

function resolve(o: Operand, attrs: Attributes): Value {
  if (o.kind === "str") return o.value;
  if (o.kind === "list") return o.values;
  return Object.hasOwn(attrs, o.name) ? attrs[o.name] : undefined;
}

function compare(op: "==" | "!=" | "in", l: Value, r: Value): boolean {
  if (l === undefined || r === undefined) return false;
  if (op === "in") {
    if (typeof r === "string") return typeof l === "string" && l === r;
    if (typeof l === "string") return r.includes(l);
    return l.some((x) => r.includes(x));
  }
  let eq: boolean;
  if (typeof l === "string" && typeof r === "string") eq = l === r;
  else if (typeof l !== "string" && typeof r !== "string") eq = l.length === r.length && l.every((x, i) => x === r[i]);
  else return false;
  return op === "==" ? eq : !eq;
}

function evalNode(n: ExprNode, attrs: Attributes): boolean {
  switch (n.kind) {
    case "cmp":
      return compare(n.op, resolve(n.left, attrs), resolve(n.right, attrs));
    case "not":
      return !evalNode(n.item, attrs);
    case "and":
      for (const x of n.items) if (!evalNode(x, attrs)) return false;
      return true;
    case "or":
      for (const x of n.items) if (evalNode(x, attrs)) return true;
      return false;
  }
}

/** Evaluates a parsed expression over a subject's attributes (missing record = no attributes). */
export function evaluateExpression(expr: ParsedExpression, attributes: Attributes | undefined): boolean {
  return evalNode(expr.ast, attributes ?? {});
}
