package dev.ferry.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicDurabilityTest {
  @Test
  void oneBrokerHasNothingBetterToOffer() {
    assertThat(TopicDurability.risks("t", 1, 1, 1, true)).isEmpty();
  }

  @Test
  void oneReplicaOnSeveralBrokersIsLostWithItsDisk() {
    assertThat(TopicDurability.risks("t", 3, 1, 1, false)).singleElement().asString()
        .contains("topic t has one replica on a cluster of 3 brokers").contains("topics.replication-factor: 3");
  }

  @Test
  void aLeaderAloneAcknowledgingOrAnUncleanElectionIsARisk() {
    assertThat(TopicDurability.risks("t", 3, 3, 1, false)).singleElement().asString()
        .contains("min.insync.replicas 1").contains("set min.insync.replicas to 2");
    assertThat(TopicDurability.risks("t", 3, 3, 2, true)).singleElement().asString()
        .contains("unclean.leader.election.enable");
  }

  @Test
  void threeReplicasTwoInSyncAndCleanElectionsAreSafe() {
    assertThat(TopicDurability.risks("t", 3, 3, 2, false)).isEmpty();
    assertThat(TopicDurability.risks("t", 5, 2, 2, false)).isEmpty();
  }
}
