package io.weft.fdb.registry;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SubnetAllocatorTest {
    @Test
    void collectsAtMostOneHundredFreeCandidatesFromSubnetMin() {
        List<Subnet> c = SubnetAllocator.candidates(Subnet.parse("10.244.1.0/24"), Subnet.parse("10.244.255.0/24"),
                List.of(Subnet.parse("10.244.1.0/24"), Subnet.parse("10.244.3.0/24")));
        assertThat(c).hasSize(100);
        assertThat(c.get(0)).isEqualTo(Subnet.parse("10.244.2.0/24"));
        assertThat(c.get(1)).isEqualTo(Subnet.parse("10.244.4.0/24"));
        assertThat(c.get(99)).isEqualTo(Subnet.parse("10.244.102.0/24"));
    }

    @Test
    void leasesOfAnotherLengthBlockWhatTheyOverlap() {
        List<Subnet> c = SubnetAllocator.candidates(Subnet.parse("10.244.0.0/24"), Subnet.parse("10.244.7.0/24"),
                List.of(Subnet.parse("10.244.0.0/22"), Subnet.parse("10.244.5.128/25")));
        assertThat(c).containsExactly(Subnet.parse("10.244.4.0/24"), Subnet.parse("10.244.6.0/24"), Subnet.parse("10.244.7.0/24"));
    }

    @Test
    void aFullRangeHasNoCandidate() {
        assertThat(SubnetAllocator.pick(Subnet.parse("10.6.1.0/24"), Subnet.parse("10.6.2.0/24"),
                List.of(Subnet.parse("10.6.1.0/24"), Subnet.parse("10.6.2.0/24")), new Random(1))).isEmpty();
    }

    @Test
    void picksAmongTheCandidates() {
        Subnet min = Subnet.parse("fd00:0:0:100::/64");
        Subnet max = Subnet.parse("fd00:0:0:1ff::/64");
        for (int seed = 0; seed < 20; seed++) {
            Subnet s = SubnetAllocator.pick(min, max, List.of(min), new Random(seed)).orElseThrow();
            assertThat(s.compareTo(min)).isPositive();
            assertThat(s.compareTo(min.offsetSubnets(100))).isLessThanOrEqualTo(0);
        }
    }
}
