package io.weft.benchmarks.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The one Jackson mapper the harness uses. */
final class Json {
    /** Records become objects with snake_case keys, like the rest of results.json. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private Json() {
    }

    static JsonNode parse(String json, String what) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BenchException(what + " is not valid JSON (" + e.getOriginalMessage() + "): " + abbreviate(json));
        }
    }

    /** A JSON tree if the text parses, otherwise the text itself. */
    static Object parseOrText(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return text;
        }
    }

    static String abbreviate(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() <= 300 ? t : t.substring(0, 300) + "...";
    }
}
