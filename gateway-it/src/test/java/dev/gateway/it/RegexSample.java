package dev.gateway.it;

/**
 * The shortest string a simple regular expression of the contract matches: literals, escapes,
 * character classes, groups and the quantifiers {@code ? * + {n} {n,m}}. Enough for the patterns an
 * OpenAPI contract uses for ids and codes; anything else is refused so that a test cannot pass on a guess.
 */
final class RegexSample {
    private final String re;
    private int i;

    private RegexSample(String re) {
        this.re = re;
    }

    static String of(String pattern) {
        String p = pattern;
        if (p.startsWith("^")) {
            p = p.substring(1);
        }
        if (p.endsWith("$")) {
            p = p.substring(0, p.length() - 1);
        }
        RegexSample r = new RegexSample(p);
        String out = r.sequence();
        if (r.i != p.length()) {
            throw new IllegalArgumentException("unsupported pattern " + pattern);
        }
        if (!java.util.regex.Pattern.matches(pattern.replace("^", "").replace("$", ""), out)) {
            throw new IllegalStateException("sample '" + out + "' does not match " + pattern);
        }
        return out;
    }

    private String sequence() {
        StringBuilder out = new StringBuilder();
        while (i < re.length() && re.charAt(i) != ')' && re.charAt(i) != '|') {
            String atom = atom();
            int[] q = quantifier();
            out.append(atom.repeat(q[0]));
        }
        return out.toString();
    }

    private String atom() {
        char c = re.charAt(i++);
        switch (c) {
            case '\\':
                char e = re.charAt(i++);
                return e == 'd' ? "0" : e == 'w' ? "a" : String.valueOf(e);
            case '[':
                int close = re.indexOf(']', i + 1);
                String cls = re.substring(i, close);
                i = close + 1;
                if (cls.startsWith("^")) {
                    throw new IllegalArgumentException("negated class in " + re);
                }
                return String.valueOf(cls.charAt(0) == '\\' ? cls.charAt(1) : cls.charAt(0));
            case '(':
                String inner = sequence();
                if (re.charAt(i) != ')') {
                    throw new IllegalArgumentException("alternation in " + re);
                }
                i++;
                return inner;
            case '.':
                return "a";
            default:
                return String.valueOf(c);
        }
    }

    /** @return the minimum repetitions of the atom just read */
    private int[] quantifier() {
        if (i >= re.length()) {
            return new int[] {1};
        }
        char c = re.charAt(i);
        if (c == '?' || c == '*') {
            i++;
            return new int[] {0};
        }
        if (c == '+') {
            i++;
            return new int[] {1};
        }
        if (c == '{') {
            int close = re.indexOf('}', i);
            String body = re.substring(i + 1, close);
            i = close + 1;
            return new int[] {Integer.parseInt(body.split(",")[0])};
        }
        return new int[] {1};
    }
}
