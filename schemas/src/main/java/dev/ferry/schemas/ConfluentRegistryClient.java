package dev.ferry.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A schema registry client over the Confluent REST API ({@code POST /subjects/{s}/versions},
 * {@code GET /schemas/ids/{id}}). Ids and schemas are cached for the life of the client: a
 * registered schema never changes, so the registry is asked once per schema per process.
 *
 * <p>Thread-safe.
 */
public final class ConfluentRegistryClient implements SchemaRegistry {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfluentRegistryClient.class);
  /** How long a request is retried while the registry is unreachable or failing. */
  static final Duration RETRY_FOR = Duration.ofMinutes(2);

  /** Held while a schema is registered: one registration at a time per JVM (see {@link #register}). */
  private static final Object REGISTERING = new Object();
  private final String baseUrl;
  private final HttpClient http;
  /** The Authorization header's value, or null. */
  private final String authorization;
  private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  /** @param baseUrl e.g. {@code http://localhost:8081} or {@code http://localhost:8080/apis/ccompat/v7} */
  public ConfluentRegistryClient(final String baseUrl) {
    this(baseUrl, "", "");
  }

  /**
   * A client authenticating with HTTP basic authentication as {@code user} (none when empty). TLS is the JDK's:
   * an https URL, checked against the JVM's trust store.
   */
  public ConfluentRegistryClient(final String baseUrl, final String user, final String password) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.authorization = user == null || user.isEmpty() ? null : "Basic " + java.util.Base64.getEncoder()
        .encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns once the registry answers {@code GET /subjects} as a Confluent-compatible API, asked every second for up to
   * {@code within}; throws {@link ServerUnreachable} naming {@code registry.url} when it does not: not reached, an
   * answer that is not the API (a URL without Apicurio's {@code /apis/ccompat/v7}), or Ferry's credentials refused.
   * Asked once at a service's start, so that a wrong URL is said there rather than at the first record, minutes in.
   */
  public void awaitAnswer(final Duration within) {
    final HttpRequest.Builder request = HttpRequest.newBuilder(uri("/subjects")).GET()
        .timeout(Duration.ofSeconds(10)).header("Accept", CONTENT_TYPE);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    WaitForAnswer.until(LOG, "the schema registry at " + baseUrl, "the schema registry at registry.url = " + baseUrl,
        System.nanoTime() + within.toNanos(), within, () -> subjectsAnswer(request.build()));
  }

  /** Null when {@code GET /subjects} answers as the API; why not when worth asking again; throws when final. */
  private String subjectsAnswer(final HttpRequest request) {
    try {
      final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      final int status = response.statusCode();
      if (status / 100 == 2 && response.body().trim().startsWith("[")) {
        return null;
      }
      if (status == 401 || status == 403) {
        throw new ServerUnreachable("the schema registry at registry.url = " + baseUrl + " refused Ferry (HTTP "
            + status + "): check registry.user and its password (FERRY_REGISTRY_PASSWORD)");
      }
      if (status / 100 != 5) {
        throw new ServerUnreachable("the schema registry at registry.url = " + baseUrl + " does not answer as a "
            + "Confluent-compatible registry API (GET /subjects: HTTP " + status + "): check the URL (Apicurio's "
            + "is its address followed by /apis/ccompat/v7)");
      }
      return "HTTP " + status;
    } catch (java.net.ConnectException e) {
      // the JDK's HTTP client says "refused" only by the exception's type (its message is often empty)
      return "connection refused" + (e.getMessage() != null ? " (" + e.getMessage() + ")" : "");
    } catch (IOException e) {
      return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerUnreachable("interrupted while asking the schema registry at " + baseUrl);
    }
  }

  @Override
  public int register(final String subject, final Schema schema) {
    final String cacheKey = subject + '\u0000' + schema.toString();
    final Integer cached = idsBySubjectAndSchema.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    // one registration at a time in this JVM: they are rare (once per subject and schema, then cached), and
    // concurrent first registrations made Apicurio's in-memory H2 conflict on its id sequence ("Concurrent update in
    // table SEQUENCES"), after which the embedded registry answered 500s and then nothing for two minutes (seen in
    // the sink module's tests, which register from three threads)
    synchronized (REGISTERING) {
      final Integer meanwhile = idsBySubjectAndSchema.get(cacheKey);
      return meanwhile != null ? meanwhile : registerNow(subject, schema, cacheKey);
    }
  }

  private int registerNow(final String subject, final Schema schema, final String cacheKey) {
    final ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema.toString());
    body.put("schemaType", "AVRO");
    final String encodedSubject = URLEncoder.encode(subject, StandardCharsets.UTF_8);
    JsonNode answer = null;
    for (int attempt = 1; answer == null; attempt++) {
      try {
        answer = send(HttpRequest.newBuilder(uri("/subjects/" + encodedSubject + "/versions"))
            .header("Content-Type", CONTENT_TYPE)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
      } catch (RegistryException e) {
        if (e.status() != 409) {
          throw e;
        }
        // Confluent answers 409 for an incompatible schema; Apicurio also when two first registrations of a
        // subject race, and the winner may not be visible at once. Ask whether this exact schema is registered
        // under the subject; if the registry does not know yet, register again shortly.
        try {
          answer = send(HttpRequest.newBuilder(uri("/subjects/" + encodedSubject))
              .header("Content-Type", CONTENT_TYPE)
              .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        } catch (RegistryException lookup) {
          if (lookup.status() != 404 || attempt >= 20) {
            throw e;
          }
          pause(50L * attempt);
        }
      }
    }
    final int id = answer.path("id").asInt(-1);
    if (id < 0) {
      throw new RegistryException("registry at " + baseUrl + " answered without an id: " + answer);
    }
    idsBySubjectAndSchema.put(cacheKey, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema byId(final int id) {
    return schemasById.computeIfAbsent(id, i -> {
      final JsonNode answer = send(HttpRequest.newBuilder(uri("/schemas/ids/" + i)).GET());
      return new Schema.Parser().parse(answer.path("schema").asText());
    });
  }

  private static void pause(final long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted while registering a schema", e);
    }
  }

  private URI uri(final String path) {
    return URI.create(baseUrl + path);
  }

  /**
   * Sends {@code request}, retrying what may pass by itself (the registry unreachable, or answering
   * 5xx) with backoff for up to {@link #RETRY_FOR}; a 4xx answer is final.
   */
  private JsonNode send(final HttpRequest.Builder request) {
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    final HttpRequest built = request.timeout(Duration.ofSeconds(30)).header("Accept", CONTENT_TYPE).build();
    final long deadline = System.nanoTime() + RETRY_FOR.toNanos();
    long backoffMs = 100;
    while (true) {
      RegistryException failure;
      try {
        final HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
          return JSON.readTree(response.body());
        }
        failure = new RegistryException("schema registry " + built.method() + " " + built.uri() + " answered "
            + response.statusCode() + ": " + response.body(), response.statusCode());
        if (response.statusCode() / 100 == 4) {
          throw failure;
        }
      } catch (IOException e) {
        failure = new RegistryException("schema registry at " + baseUrl + " cannot be reached: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryException("interrupted while calling the schema registry at " + baseUrl, e);
      }
      if (System.nanoTime() > deadline) {
        throw failure;
      }
      LOG.warn("{}; retrying in {} ms", failure.getMessage(), backoffMs);
      try {
        Thread.sleep(backoffMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure;
      }
      backoffMs = Math.min(backoffMs * 2, 5_000);
    }
  }
}
