# Ferry image: one image, three services (ferry connector | processor | sink).
# Not built on the development machines (no Docker engine there); docker-compose.yml uses it.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl cli -am install \
 && mvn -B -q -pl cli dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
 && cp cli/target/ferry-cli-*.jar /app/ferry-cli.jar

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /app /app
COPY ferry.example.yaml /etc/ferry/ferry.yaml
COPY cli/src/main/resources/northwind/mapping.yaml /etc/ferry/mapping.yaml
# the services' JVM options (fixed heap; see the files); FERRY_JAVA_OPTS overrides any
COPY scripts/jvm.options /app/jvm.options
COPY scripts/jvm.connector.options scripts/jvm.processor.options scripts/jvm.sink.options /app/
RUN mkdir -p /var/lib/ferry
ENTRYPOINT ["sh", "-c", "exec java $(grep -v -E '^[[:space:]]*(#|$)' /app/jvm.options) $(if [ -f /app/jvm.$1.options ]; then grep -v -E '^[[:space:]]*(#|$)' /app/jvm.$1.options; fi) $FERRY_JAVA_OPTS -cp '/app/ferry-cli.jar:/app/lib/*' dev.ferry.cli.Ferry \"$@\"", "ferry"]
CMD ["--help"]
