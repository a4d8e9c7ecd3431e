package dev.ferry.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The modules talk only through Kafka topics and the shared schemas. */
class ArchitectureTest {
  private static final JavaClasses FERRY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.ferry");

  @Test
  void theConnectorKnowsNothingOfProcessorOrSink() {
    noClasses().that().resideInAPackage("dev.ferry.connector..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.processor..", "dev.ferry.sink..")
        .check(FERRY);
  }

  @Test
  void theSinkKnowsNothingOfDebeziumTheConnectorOrTheProcessor() {
    noClasses().that().resideInAPackage("dev.ferry.sink..")
        .should().dependOnClassesThat().resideInAnyPackage("io.debezium..", "dev.ferry.connector..",
            "dev.ferry.processor..", "org.apache.kafka.connect..")
        .check(FERRY);
  }

  @Test
  void theProcessorKnowsNothingOfDebeziumOrTheSink() {
    noClasses().that().resideInAPackage("dev.ferry.processor..")
        .should().dependOnClassesThat().resideInAnyPackage("io.debezium..", "dev.ferry.sink..",
            "dev.ferry.connector..", "java.sql..")
        .check(FERRY);
  }

  @Test
  void noServiceDependsOnTheEmbeddedTestStack() {
    noClasses().that().resideInAnyPackage("dev.ferry.connector..", "dev.ferry.processor..", "dev.ferry.sink..",
            "dev.ferry.schemas..")
        .should().dependOnClassesThat().resideInAPackage("dev.ferry.embedded..")
        .check(FERRY);
  }
}
