package dev.gateway.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * One YAML document read into a Jackson tree, with where each setting is written: the line and column of
 * every key (and list item) by its dotted path ({@code auth.hmacKeys.k1}, {@code routes[0].prefix}). A key
 * given twice in one map is refused. A document that does not parse is refused with its line and column,
 * the setting being read, and what the parser found wrong, in the parser's fixed words only: its own
 * message quotes the lines around the fault and the characters it stumbled on, and a configuration holds
 * secrets.
 *
 * @param root the document, or a {@link MissingNode} when it is empty
 * @param marks where each setting is written, by dotted path, in document order
 */
record YamlTree(JsonNode root, Map<String, Mark> marks) {
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Where a setting is written in its file: a line and column, both counted from 1. */
    record Mark(int line, int column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    /**
     * @param yaml the document's bytes (UTF-8, or UTF-16/32 with a byte order mark)
     * @param name names the document in errors: its file as given, or a bundled resource's name
     * @throws ConfigException the document does not parse, or a map has a key twice; the message starts
     *     with {@code name:LINE:COLUMN} and quotes nothing of the document but keys
     */
    static YamlTree parse(byte[] yaml, String name) {
        Reader reader = new Reader(name);
        try (JsonParser p = FACTORY.createParser(yaml)) {
            reader.parser = p;
            if (reader.next("") == null) {
                return new YamlTree(MissingNode.getInstance(), reader.marks);
            }
            return new YamlTree(reader.value(""), reader.marks);
        } catch (JacksonException e) {
            Mark mark;
            String problem;
            if (e.getCause() instanceof MarkedYAMLException y) {
                // The scanner's own marks: where it found the fault, and where what it was reading began.
                mark = mark(y.getProblemMark());
                problem = problem(y.getProblem(), y.getContext(), mark(y.getContextMark()));
            } else {
                JsonLocation at = e.getLocation();
                mark = at != null && at.getLineNr() > 0 ? new Mark(at.getLineNr(), at.getColumnNr()) : null;
                problem = problem(e.getOriginalMessage(), null, null);
            }
            String in = reader.reading.isEmpty() ? "" : " in setting '" + reader.reading + "'";
            throw ConfigException.inFile(reader.reading.isEmpty() ? null : reader.reading,
                    name + (mark == null ? "" : ":" + mark) + ": not valid YAML" + in + ": " + problem);
        } catch (IOException e) {
            throw ConfigException.inFile(null, name + ": cannot be read as YAML (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Builds the tree token by token, noting where each key is. */
    private static final class Reader {
        final String name;
        final Map<String, Mark> marks = new LinkedHashMap<>();
        JsonParser parser;
        /** The setting being read: a parse error is reported in it. */
        String reading = "";

        Reader(String name) {
            this.name = name;
        }

        JsonToken next(String path) throws IOException {
            reading = path;
            return parser.nextToken();
        }

        Mark here() {
            JsonLocation at = parser.currentTokenLocation();
            return new Mark(at.getLineNr(), at.getColumnNr());
        }

        JsonNode value(String path) throws IOException {
            reading = path;
            JsonParser p = parser;
            switch (p.currentToken()) {
                case START_OBJECT: {
                    ObjectNode o = NODES.objectNode();
                    while (next(path) == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        String child = path.isEmpty() ? key : path + "." + key;
                        Mark at = here();
                        if (o.has(key)) {
                            Mark first = marks.get(child);
                            throw ConfigException.inFile(child, name + ":" + at + ": setting '" + child
                                    + "' is given twice" + (first == null ? "" : " (first on line " + first.line() + ")"));
                        }
                        marks.put(child, at);
                        next(child);
                        o.set(key, value(child));
                    }
                    return o;
                }
                case START_ARRAY: {
                    ArrayNode a = NODES.arrayNode();
                    for (int i = 0; next(path) != JsonToken.END_ARRAY; i++) {
                        String child = path + "[" + i + "]";
                        marks.put(child, here());
                        a.add(value(child));
                    }
                    return a;
                }
                case VALUE_STRING:
                    return NODES.textNode(p.getText());
                case VALUE_NUMBER_INT:
                    switch (p.getNumberType()) {
                        case INT:
                            return NODES.numberNode(p.getIntValue());
                        case LONG:
                            return NODES.numberNode(p.getLongValue());
                        default:
                            return NODES.numberNode(p.getBigIntegerValue());
                    }
                case VALUE_NUMBER_FLOAT:
                    return NODES.numberNode(p.getDoubleValue());
                case VALUE_TRUE:
                    return NODES.booleanNode(true);
                case VALUE_FALSE:
                    return NODES.booleanNode(false);
                case VALUE_NULL:
                    return NODES.nullNode();
                case VALUE_EMBEDDED_OBJECT: {
                    Object o = p.getEmbeddedObject();
                    return o instanceof byte[] b ? NODES.binaryNode(b) : NODES.pojoNode(o);
                }
                default:
                    throw new IllegalStateException("unexpected " + p.currentToken()); // the parser's own bug
            }
        }
    }

    // The parser's fixed words, kept; whatever follows them (the characters it found) is left out.
    private static final List<String> PHRASES = List.of(
            "mapping values are not allowed here",
            "mapping keys are not allowed here",
            "sequence entries are not allowed here",
            "found unexpected end of stream",
            "found unexpected document separator",
            "could not find expected ':'",
            "found undefined alias",
            "found undefined tag handle",
            "found unknown escape character",
            "found duplicate anchor",
            "found duplicate YAML directive",
            "found incompatible YAML document",
            "found a number which cannot represent a valid version",
            "duplicate tag handle",
            "expected URI escape sequence of 2 hexadecimal numbers",
            "expected chomping or indentation indicators",
            "expected indentation indicator in the range 1-9",
            "expected a comment or a line break",
            "expected alphabetic or numeric character",
            "expected a digit or ' '",
            "expected a digit or '.'",
            "expected a digit",
            "expected URI in UTF-8",
            "expected URI",
            "expected ' '",
            "expected '!'",
            "expected '>'",
            "expected a single document in the stream",
            "but found another document",
            "special characters are not allowed",
            "unexpected character found",
            "A simple key is required only if it is the first token in the current line",
            "Global tag is not allowed",
            "Nesting Depth exceeded max",
            "The incoming YAML document exceeds the limit",
            "Number of aliases for non-scalar nodes exceeds the specified max");
    /** A token's name ({@code <block end>}) or one punctuation character, as the parser quotes them. */
    private static final String TOKEN = "(?:<[a-z ]{1,30}>|[^A-Za-z0-9'\\s])";
    private static final Pattern EXPECTED = Pattern.compile(
            "expected (?:" + TOKEN + "|'" + TOKEN + "'(?: or '" + TOKEN + "')?), but (?:found|got) '?" + TOKEN + "'?");
    private static final Pattern NODE_CONTENT = Pattern.compile("expected the node content, but found '" + TOKEN + "'");
    private static final Pattern ESCAPE = Pattern.compile("expected escape sequence of \\d hexadecimal numbers");
    private static final Pattern CHARACTER = Pattern.compile("found character '(.{1,8}?)' that cannot start any token");
    private static final Pattern CONTEXT = Pattern.compile("while (?:parsing|scanning)(?: [a-zA-Z-]+){1,4}");
    private static final Set<String> CONTEXT_WORDS = Set.of("while", "parsing", "scanning", "a", "an", "block",
            "flow", "node", "mapping", "sequence", "collection", "simple", "key", "quoted", "double-quoted", "scalar",
            "tag", "anchor", "alias", "directive", "YAML", "for", "the", "next", "token", "entry", "implicit");

    /** A SnakeYAML mark (counted from 0) as a line and column counted from 1, or {@code null}. */
    private static Mark mark(org.yaml.snakeyaml.error.Mark m) {
        return m == null ? null : new Mark(m.getLine() + 1, m.getColumn() + 1);
    }

    /**
     * What the parser found wrong, in its fixed words: each line of its problem (and of what it was doing)
     * that is one of its known phrases, cut after the phrase. The characters it found are left out (one
     * punctuation character, or a tab, is named: it tells what to look for).
     *
     * @param problem the parser's problem text
     * @param context what it was reading when it found it ({@code while scanning a quoted scalar}), or {@code null}
     * @param contextMark where that began, or {@code null}
     */
    static String problem(String problem, String context, Mark contextMark) {
        String what = phrases(problem);
        String during = phrases(context);
        if (what.isEmpty()) {
            what = "the parser cannot read it here";
        }
        if (during.isEmpty()) {
            return what;
        }
        return what + " (" + during + (contextMark == null ? "" : " from line " + contextMark.line() + ", column "
                + contextMark.column()) + ")";
    }

    private static String phrases(String text) {
        List<String> kept = new ArrayList<>();
        for (String line : String.valueOf(text).split("\n")) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0))) {
                continue; // quoted lines of the document, and "in 'reader', line ..."
            }
            String safe = phrase(line.strip());
            if (safe != null && !kept.contains(safe)) {
                kept.add(safe);
            }
        }
        return String.join("; ", kept);
    }

    private static String phrase(String line) {
        Matcher m = CHARACTER.matcher(line);
        if (m.lookingAt()) {
            String c = m.group(1);
            if (c.equals("\\t(TAB)")) {
                return "found a tab, which cannot start any token: indent with spaces";
            }
            return c.length() == 1 && !Character.isLetterOrDigit(c.charAt(0))
                    ? "found character '" + c + "', which cannot start any token"
                    : "found a character that cannot start any token";
        }
        for (Pattern p : List.of(EXPECTED, NODE_CONTENT, ESCAPE)) {
            m = p.matcher(line);
            if (m.lookingAt()) {
                return m.group();
            }
        }
        m = CONTEXT.matcher(line);
        if (m.matches() && Set.of(line.split(" ")).stream().allMatch(CONTEXT_WORDS::contains)) {
            return line;
        }
        for (String phrase : PHRASES) {
            if (line.startsWith(phrase)) {
                return phrase;
            }
        }
        return null;
    }
}
