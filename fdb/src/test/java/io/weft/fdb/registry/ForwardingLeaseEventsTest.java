package io.weft.fdb.registry;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ForwardingLeaseEventsTest {
    /** Each event of the interface reaches the next listener: a new default method must be forwarded too. */
    @Test
    void everyEventOfTheInterfaceIsPassedOn() throws Exception {
        List<String> seen = new ArrayList<>();
        LeaseEvents next = (LeaseEvents) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {LeaseEvents.class}, (proxy, m, args) -> {
                    seen.add(m.getName());
                    return null;
                });
        ForwardingLeaseEvents forwarding = new ForwardingLeaseEvents(next) {
        };
        List<String> methods = new ArrayList<>();
        for (Method m : LeaseEvents.class.getMethods()) {
            methods.add(m.getName());
            m.invoke(forwarding, new Object[m.getParameterCount()]);
        }
        assertThat(methods).isNotEmpty();
        assertThat(seen).containsExactlyInAnyOrderElementsOf(methods);
        assertThat(Arrays.stream(LeaseEvents.class.getMethods()).map(Method::getName))
                .contains("added", "removed", "changed", "advertised", "batchDone");
    }
}
