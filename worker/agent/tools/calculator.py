"""calculator: arithmetic and common math functions through simpleeval, with bounded number sizes.

Each evaluation runs in a sandboxed child process (worker/sandbox): whatever slips past the number-size
checks ends at the CPU or memory limit, and the worker's threads (other users' answers) never wait on it.
"""

import ast
import math
import re

from simpleeval import DEFAULT_OPERATORS, InvalidExpression, NumberTooHigh, SimpleEval

from worker.agent.tools.base import Tool, ToolEnv, ToolError, ToolOutput, closed_object
from worker.sandbox import LimitExceeded, Limits, SandboxError
from worker.sandbox import run as run_sandboxed

MAX_EXPRESSION_CHARS = 300
MAX_INT_BITS = 4096  # ~1233 decimal digits: every operation on numbers this size is microseconds
MAX_FACTORIAL = 450
MAX_ROUND_DIGITS = 400
TIMEOUT_S = 2.0
SANDBOX = Limits(wall_s=TIMEOUT_S - 0.5, cpu_s=1, memory_mib=256, user="nobody")


def _check_bits(value):
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise NumberTooHigh(f"result exceeds {MAX_INT_BITS} bits")
    return value


def _power(base, exponent):
    """Refuse before computing when the result could not fit, so 9**9**9**9 fails instantly."""
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_INT_BITS:
            raise NumberTooHigh(f"{base} ** {exponent} is too large")
    if isinstance(exponent, (int, float)) and abs(exponent) > 10_000 and abs(base) != 1:
        raise NumberTooHigh(f"exponent {exponent} is too large")
    return _check_bits(base**exponent)


def _multiply(a, b):
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
        raise NumberTooHigh("product is too large")
    return a * b


def _lshift(a, b):
    if b > MAX_INT_BITS or a.bit_length() + b > MAX_INT_BITS:
        raise NumberTooHigh("shift is too large")
    return a << b


def _factorial(n):
    if not isinstance(n, int) or n < 0 or n > MAX_FACTORIAL:
        raise NumberTooHigh(f"factorial is limited to integers 0..{MAX_FACTORIAL}")
    return math.factorial(n)


def _round(number, ndigits=None):
    """round(1, -5*10**6) would build 10**5000000 first: refuse digit counts no float or sane int needs."""
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise NumberTooHigh(f"round() takes at most {MAX_ROUND_DIGITS} digits")
    return round(number, ndigits)


def _log(x, base=math.e):
    return math.log(x, base)


FUNCTIONS = {
    "sqrt": math.sqrt,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "exp": math.exp,
    "log": _log,
    "ln": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "degrees": math.degrees,
    "radians": math.radians,
    "abs": abs,
    "round": _round,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": min,
    "max": max,
    "hypot": math.hypot,
    "gcd": math.gcd,
    "factorial": _factorial,
    "pow": _power,
}
NAMES = {"pi": math.pi, "e": math.e, "tau": math.tau}
OPERATORS = {
    **{k: v for k, v in DEFAULT_OPERATORS.items() if k not in (ast.Pow, ast.Mult, ast.LShift)},
    ast.Pow: _power,
    ast.Mult: _multiply,
    ast.LShift: _lshift,
}


def evaluate(expression: str) -> int | float:
    """Evaluate a math expression (`^` means power); raise ToolError with the reason on refusal."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ToolError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    evaluator = SimpleEval(operators=OPERATORS, functions=FUNCTIONS, names=NAMES, allowed_attrs={})
    try:
        value = evaluator.eval(expression.replace("^", "**"))
    except (InvalidExpression, SyntaxError) as exc:
        raise ToolError(f"refused: {exc}") from exc
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise ToolError(f"math error: {exc}") from exc
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ToolError(f"result is not a real number ({type(value).__name__})")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError("math error: result is not finite")
    return value


def _format(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.12g}" if isinstance(value, float) else str(value)


def run(args: dict, env: ToolEnv) -> ToolOutput:
    expression = args["expression"].strip()
    try:
        value = run_sandboxed(evaluate, expression, limits=SANDBOX)
    except LimitExceeded as exc:
        raise ToolError(f"refused: the expression {exc}") from exc
    except SandboxError as exc:
        raise ToolError(f"calculation failed: {exc}") from exc
    return ToolOutput(f"{expression} = {_format(value)}")


_WORDS = [
    (r"(\d+(?:\.\d+)?)\s*%\s*of\s+", r"\1/100*"),
    (r"\bsquare root of\s+(\d+(?:\.\d+)?)", r"sqrt(\1)"),
    (r"\b(\d+(?:\.\d+)?)\s+squared\b", r"\1**2"),
    (r"\b(\d+(?:\.\d+)?)\s+cubed\b", r"\1**3"),
    (r"\bto the power of\b", "**"),
    (r"\b(?:multiplied by|times)\b", "*"),
    (r"\bdivided by\b|(?<=\d)\s+over\s+(?=\d)", "/"),
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"(?<=\d)\s*[x×]\s*(?=\d)", "*"),
    (r"÷", "/"),
    (r"(?<=\d),(?=\d{3}\b)", ""),
    (r"\b\d{4}-\d{2}-\d{2}\b", " date "),
    (r"\b((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)\b", " years "),
    (r"\b(?:sections?|pages?|chapters?|steps?|figures?|tables?|articles?)\s+[\d.]+\s*[-–]\s*[\d.]+", " ref "),
]
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?|\*\*|[-+*/%^(),]|[a-z_][a-z_0-9]*|\S")
_OPERATOR = set("+-*/%^") | {"**"}
_MATH_WORDS = _OPERATOR | set("(),") | set(FUNCTIONS) | set(NAMES)


def find_expression(text: str) -> str | None:
    """The longest run of math tokens in free text that contains a number and an operator or function."""
    text = text.lower()
    for pattern, replacement in _WORDS:
        text = re.sub(pattern, replacement, text)
    best, run_start, run_end, tokens = None, None, None, []
    for match in [*_TOKEN.finditer(text), None]:
        token = match.group() if match else None
        if token is not None and (token[0].isdigit() or token in _MATH_WORDS):
            if run_start is None:
                run_start, tokens = match.start(), []
            run_end = match.end()
            tokens.append(token)
            continue
        if run_start is not None:
            has_number = any(t[0].isdigit() for t in tokens)
            has_op = any(t in _OPERATOR or t in FUNCTIONS for t in tokens)
            candidate = text[run_start:run_end].strip(" ,")
            if has_number and has_op and (best is None or len(candidate) > len(best)):
                best = candidate
            run_start = None
    return best


def suggest_args(question: str) -> dict | None:
    expression = find_expression(question)
    return {"expression": expression} if expression else None


TOOL = Tool(
    name="calculator",
    description=(
        "Evaluate an arithmetic expression exactly: + - * / ** % and parentheses, plus sqrt, log, ln, exp, "
        "sin, cos, tan, abs, round, floor, ceil, min, max, factorial, gcd and the constants pi and e."
    ),
    parameters=closed_object(
        {"expression": {"type": "string", "minLength": 1, "maxLength": MAX_EXPRESSION_CHARS}}, ["expression"]
    ),
    run=run,
    suggest_args=suggest_args,
    pattern_routed=True,
    sandboxed=True,
    timeout_s=TIMEOUT_S,
    max_output_chars=2000,
    examples=("What is 17 * 23 + 4?", "Compute sqrt(2) * pi", "What is 15% of 240?"),
    keywords=frozenset("calculate compute sum product multiply divide plus minus times sqrt percent".split()),
)
