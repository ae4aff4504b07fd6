package io.ebpfagent.agent.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ebpfagent.agent.config.ConfigType.MethodPattern;
import io.ebpfagent.agent.config.ConfigType.MethodPatternType;
import java.util.List;
import org.junit.jupiter.api.Test;

class MethodMatcherTest {
    private final MethodPatternType type = new MethodPatternType();

    private MethodMatcher matcher(String... patterns) {
        return MethodMatcher.of(java.util.Arrays.stream(patterns).map(type::parse).toList());
    }

    @Test
    void parsesClassAndMethod() {
        assertThat(type.parse("pkg.App#handle")).isEqualTo(new MethodPattern("pkg.App", "handle"));
        assertThat(type.parse("  com.example.*Service#handle*  "))
                .isEqualTo(new MethodPattern("com.example.*Service", "handle*"));
        assertThat(type.parse("com.example.Outer$Inner#run").classPattern()).isEqualTo("com.example.Outer$Inner");
    }

    @Test
    void rejectsMalformedPatterns() {
        for (String bad : List.of("pkg.App", "pkg.App#", "#handle", "pkg.App#handle#x", "pkg.App#han dle",
                "pkg.A(pp)#handle", "*#handle", "*.*#*", "pkg.App#<init>")) {
            assertThatThrownBy(() -> type.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("class#method").hasMessageContaining(bad.strip());
        }
    }

    @Test
    void exactNamesMatchOnlyThemselves() {
        MethodMatcher m = matcher("pkg.App#handle");
        assertThat(m.matchesType("pkg.App")).isTrue();
        assertThat(m.matchesType("pkg.AppX")).isFalse();
        assertThat(m.matchesType("pkgXApp")).as("the dot is literal").isFalse();
        assertThat(m.matchesMethod("pkg.App", "handle")).isTrue();
        assertThat(m.matchesMethod("pkg.App", "handleAll")).isFalse();
        assertThat(m.matchesMethod("pkg.Other", "handle")).isFalse();
    }

    @Test
    void wildcardsMatchAnyCharactersIncludingDots() {
        MethodMatcher m = matcher("com.example.*Service#handle*");
        assertThat(m.matchesType("com.example.OrderService")).isTrue();
        assertThat(m.matchesType("com.example.Service")).isTrue();
        assertThat(m.matchesType("com.example.orders.OrderService")).isTrue();
        assertThat(m.matchesType("com.example.OrderServiceImpl")).isFalse();
        assertThat(m.matchesType("org.example.OrderService")).isFalse();
        assertThat(m.matchesMethod("com.example.OrderService", "handle")).isTrue();
        assertThat(m.matchesMethod("com.example.OrderService", "handleRequest")).isTrue();
        assertThat(m.matchesMethod("com.example.OrderService", "doHandle")).isFalse();
        assertThat(m.matchesMethod("com.example.OrderService", "<init>")).isFalse();
    }

    @Test
    void aMethodMustMatchClassAndNameOfTheSamePattern() {
        MethodMatcher m = matcher("a.A#x", "b.B#y");
        assertThat(m.matchesMethod("a.A", "x")).isTrue();
        assertThat(m.matchesMethod("b.B", "y")).isTrue();
        assertThat(m.matchesMethod("a.A", "y")).isFalse();
        assertThat(m.matchesMethod("b.B", "x")).isFalse();
    }

    @Test
    void regexCharactersAreLiteral() {
        MethodMatcher m = matcher("pkg.Outer$Inner#run");
        assertThat(m.matchesType("pkg.Outer$Inner")).isTrue();
        assertThat(m.matchesType("pkg.Outer")).isFalse();
    }

    @Test
    void spanNamesUseTheSimpleClassName() {
        assertThat(MethodSpanTracker.describe("pkg.sub.App.handle").spanName()).isEqualTo("App.handle");
        assertThat(MethodSpanTracker.describe("pkg.Outer$Inner.run").spanName()).isEqualTo("Outer$Inner.run");
        assertThat(MethodSpanTracker.describe("Top.main").attributes().get(MethodSpanTracker.CODE_NAMESPACE))
                .isEqualTo("Top");
    }
}
