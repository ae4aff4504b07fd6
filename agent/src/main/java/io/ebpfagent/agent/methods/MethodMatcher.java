package io.ebpfagent.agent.methods;

import io.ebpfagent.agent.config.ConfigType.MethodPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which methods get a span, from {@code instrumentation.methods} patterns {@code <class>#<method>}:
 * the class part is matched against the binary class name ({@code com.example.Outer$Inner}), the
 * method part against the method name; {@code *} matches any run of characters (dots included, so
 * {@code com.example.*} covers sub-packages too), everything else literally. A method matches when
 * one pattern matches both its class and its name. Only methods declared in the class itself are
 * selected (not inherited ones); constructors, abstract, native and synthetic methods never are.
 */
public final class MethodMatcher {
    private record Compiled(Pattern type, Pattern method, String source) {
    }

    private final List<Compiled> patterns;

    private MethodMatcher(List<Compiled> patterns) {
        this.patterns = patterns;
    }

    public static MethodMatcher of(List<MethodPattern> patterns) {
        List<Compiled> compiled = new ArrayList<>();
        for (MethodPattern p : patterns) {
            compiled.add(new Compiled(glob(p.classPattern()), glob(p.methodPattern()), p.toString()));
        }
        return new MethodMatcher(List.copyOf(compiled));
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** Whether some pattern names this class (whose methods are then worth looking at). */
    public boolean matchesType(String className) {
        for (Compiled p : patterns) {
            if (p.type().matcher(className).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether one pattern matches both the class and the method name. */
    public boolean matchesMethod(String className, String methodName) {
        if (methodName.equals("<init>") || methodName.equals("<clinit>")) {
            return false;
        }
        for (Compiled p : patterns) {
            if (p.type().matcher(className).matches() && p.method().matcher(methodName).matches()) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} as "any characters", the rest literal. */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        int literalFrom = 0;
        for (int i = 0; i <= glob.length(); i++) {
            if (i == glob.length() || glob.charAt(i) == '*') {
                if (i > literalFrom) {
                    regex.append(Pattern.quote(glob.substring(literalFrom, i)));
                }
                if (i < glob.length()) {
                    regex.append(".*");
                }
                literalFrom = i + 1;
            }
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return patterns.stream().map(Compiled::source).toList().toString();
    }
}
