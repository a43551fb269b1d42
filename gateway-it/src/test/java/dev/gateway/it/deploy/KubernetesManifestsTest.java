package dev.gateway.it.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.path.PathType;
import dev.gateway.core.config.ConfigLayer;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LayeredConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Kubernetes manifests in {@code deploy/k8s}: (a) every document is valid against the JSON Schemas of the
 * Kubernetes {@value #KUBERNETES_VERSION} API types, read strictly (unknown keys, wrong types and missing
 * required fields are errors, as with kubeconform's {@code -strict}); (b) they agree with the gateway they
 * deploy: ports, probes, the shutdown timing, the configuration file (loaded by the gateway's own loader with
 * the environment the Deployment gives it), the secrets, the selectors of every object that points at the
 * pods.
 *
 * <p>The schemas are those fabric8 generates from the Kubernetes Go API types and ships in its model jars
 * ({@value #SCHEMA_SOURCE}, {@code schema/validation-schema.json}; the 6.13 line is generated from Kubernetes
 * 1.30, which {@link #schemasAreThoseOfKubernetes130} checks: fields 1.30 added are there, fields 1.31 added
 * are not). As shipped they accept anything ({@code additionalProperties: true} everywhere, draft-3 style
 * {@code "required": true} on properties, Go struct shapes for int-or-string and quantities, and no
 * required fields but apiVersion and kind), so {@link KubernetesSchemas} makes them strict: no properties
 * beyond the listed ones on any object that lists properties (maps such as labels keep theirs), required
 * arrays from the per-property flags and from the Kubernetes 1.30 OpenAPI's {@code required} lists of the
 * types a workload uses ({@link KubernetesSchemas#REQUIRED}), apiVersion and kind pinned, and the wire forms of
 * int-or-string and quantities.
 */
class KubernetesManifestsTest {
    static final String KUBERNETES_VERSION = "1.30";
    static final String SCHEMA_SOURCE = "io.fabric8:kubernetes-model-{core,apps,policy,autoscaling,networking}:6.13.4";
    static final String MODEL_VERSION = "6.13.4";

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    /** Not a Kubernetes object: kustomize's own file, checked by {@link #kustomizationAppliesEveryManifestButTheExampleSecret}. */
    static final String KUSTOMIZATION = "kustomization.yaml";
    static final String EXAMPLE_SECRET = "secret.example.yaml";

    static Path dir;
    static List<Manifest> manifests;
    static KubernetesSchemas schemas;

    /** One YAML document of a file under deploy/k8s. */
    record Manifest(String file, int index, JsonNode doc) {
        String kind() {
            return doc.path("kind").asText();
        }

        String name() {
            return doc.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return file + (index > 0 ? "#" + index : "") + " (" + kind() + " " + name() + ")";
        }
    }

    @BeforeAll
    static void load() throws IOException {
        dir = projectRoot().resolve("deploy/k8s");
        manifests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList()) {
                if (f.getFileName().toString().equals(KUSTOMIZATION)) {
                    continue;
                }
                int i = 0;
                for (JsonNode doc : readAll(f)) {
                    manifests.add(new Manifest(f.getFileName().toString(), i++, doc));
                }
            }
        }
        schemas = KubernetesSchemas.load();
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) the manifests against the Kubernetes API types

    @Test
    void everyManifestIsAValidKubernetes130Object() {
        assertEquals(Set.of("ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                "NetworkPolicy", "Secret"), manifests.stream().map(Manifest::kind).collect(Collectors.toSet()),
                "the kinds under deploy/k8s");
        List<String> problems = new ArrayList<>();
        for (Manifest m : manifests) {
            for (String p : schemas.validate(m.doc())) {
                problems.add(m + ": " + p);
            }
            if (m.name().isEmpty()) {
                problems.add(m + ": /metadata/name is missing");
            }
            if (m.doc().path("metadata").has("namespace")) {
                problems.add(m + ": /metadata/namespace is set; the manifests are namespace-agnostic (kubectl -n, "
                        + "or an overlay's namespace:)");
            }
        }
        assertTrue(problems.isEmpty(), "not valid Kubernetes " + KUBERNETES_VERSION + " objects:\n  "
                + String.join("\n  ", problems));
    }

    /** A mutated copy of a valid manifest, and what the validator must say about it. */
    record Mutation(String what, String kind, String name, Consumer<ObjectNode> change, String pointer,
            String mentions) {
    }

    @TestFactory
    List<DynamicTest> strictValidationRejectsMutatedManifests() {
        List<Mutation> cases = List.of(
                new Mutation("a misspelt key", "Deployment", "gateway",
                        d -> rename(container(d), "readinessProbe", "readinesProbe"),
                        "/spec/template/spec/containers/0", "readinesProbe"),
                new Mutation("a misspelt key in a map-free object deep down", "Deployment", "gateway",
                        d -> rename((ObjectNode) container(d).path("lifecycle").path("preStop"), "sleep", "slep"),
                        "/spec/template/spec/containers/0/lifecycle/preStop", "slep"),
                new Mutation("a wrong type", "Deployment", "gateway",
                        d -> ((ObjectNode) d.path("spec")).put("replicas", "two"),
                        "/spec/replicas", "integer"),
                new Mutation("a number as a string", "Deployment", "gateway",
                        d -> ((ObjectNode) container(d).path("ports").path(0)).put("containerPort", "8080"),
                        "/spec/template/spec/containers/0/ports/0/containerPort", "integer"),
                new Mutation("a missing required field", "Deployment", "gateway",
                        d -> container(d).remove("name"),
                        "/spec/template/spec/containers/0", "name"),
                new Mutation("a missing required field of the sleep action", "Deployment", "gateway",
                        d -> ((ObjectNode) container(d).path("lifecycle").path("preStop").path("sleep"))
                                .remove("seconds"),
                        "/spec/template/spec/containers/0/lifecycle/preStop/sleep", "seconds"),
                new Mutation("a quantity that is not one", "Deployment", "gateway",
                        d -> ((ObjectNode) container(d).path("resources").path("limits")).put("memory", "512 MB"),
                        "/spec/template/spec/containers/0/resources/limits/memory", "pattern"),
                new Mutation("a label value that is not a string", "Service", "gateway",
                        d -> ((ObjectNode) d.path("metadata").path("labels")).put("tier", 1),
                        "/metadata/labels/tier", "string"),
                new Mutation("a port that is neither a number nor a name", "NetworkPolicy", "gateway",
                        d -> ((ObjectNode) d.path("spec").path("ingress").path(0).path("ports").path(0))
                                .set("port", JsonNodeFactory.instance.booleanNode(true)),
                        "/spec/ingress/0/ports/0/port", "boolean"),
                new Mutation("a missing required field of the autoscaler", "HorizontalPodAutoscaler", "gateway",
                        d -> rename((ObjectNode) d.path("spec"), "maxReplicas", "maxReplica"),
                        "/spec", "maxReplicas"),
                new Mutation("an apiVersion the kind does not have", "PodDisruptionBudget", "gateway",
                        d -> d.put("apiVersion", "policy/v2"),
                        "", "no schema for apiVersion policy/v2"),
                new Mutation("a kind misspelt", "ConfigMap", "gateway-config",
                        d -> d.put("kind", "Configmap"),
                        "", "no schema for apiVersion v1 kind Configmap"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Mutation c : cases) {
            tests.add(DynamicTest.dynamicTest(c.what() + " (" + c.kind() + " " + c.name() + ")", () -> {
                ObjectNode original = (ObjectNode) find(c.kind(), c.name()).doc();
                assertEquals(List.of(), schemas.validate(original), "the unmutated " + c.kind() + " is valid");
                ObjectNode copy = original.deepCopy();
                c.change().accept(copy);
                assertNotEquals(original, copy, "the mutation changed nothing");
                List<String> problems = schemas.validate(copy);
                assertFalse(problems.isEmpty(), c.what() + " was accepted");
                assertTrue(problems.stream().anyMatch(p -> p.startsWith(c.pointer() + ": ") && p.contains(c.mentions())),
                        "expected a problem at '" + c.pointer() + "' mentioning '" + c.mentions() + "', got " + problems);
            }));
        }
        return tests;
    }

    @Test
    void schemasAreThoseOfKubernetes130() throws IOException {
        for (String module : KubernetesSchemas.MODULES) {
            String resource = "META-INF/maven/io.fabric8/kubernetes-model-" + module + "/pom.properties";
            try (InputStream in = KubernetesManifestsTest.class.getClassLoader().getResourceAsStream(resource)) {
                assertNotNull(in, resource + " is not on the test class path");
                Properties p = new Properties();
                p.load(in);
                assertEquals(MODEL_VERSION, p.getProperty("version"), resource);
            }
        }
        // The preStop sleep action (PodLifecycleSleepAction: alpha 1.29, beta and on by default from 1.30).
        assertTrue(schemas.hasProperty("kubernetes_core_LifecycleHandler", "sleep"));
        assertTrue(schemas.hasProperty("kubernetes_core_SleepAction", "seconds"));
        // Fields Kubernetes 1.30 added ...
        assertTrue(schemas.hasProperty("kubernetes_core_SecurityContext", "appArmorProfile"));
        assertTrue(schemas.hasProperty("kubernetes_core_VolumeMount", "recursiveReadOnly"));
        assertTrue(schemas.hasProperty("kubernetes_core_ServiceSpec", "trafficDistribution"));
        // ... and fields 1.31 added, not there yet.
        assertFalse(schemas.hasProperty("kubernetes_core_Volume", "image"));
        assertFalse(schemas.hasProperty("kubernetes_core_PodSecurityContext", "supplementalGroupsPolicy"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) the manifests against the gateway

    @Test
    void containerPortsAreTheGatewaysListeners() throws Exception {
        JsonNode defaults = defaultsFromClasspath();
        JsonNode overrides = YAML.readTree(configFileText());
        int listenerPort = overrides.at("/listener/port").asInt(defaults.at("/listener/port").asInt());
        int adminPort = overrides.at("/admin/port").asInt(defaults.at("/admin/port").asInt());
        LoadedConfig loaded = loadedConfig();
        assertEquals(listenerPort, loaded.intValue("listener.port"), "the defaults and overrides, as the gateway reads them");
        assertEquals(adminPort, loaded.intValue("admin.port"), "the defaults and overrides, as the gateway reads them");

        Map<String, Integer> ports = containerPorts();
        assertEquals(Map.of("http", listenerPort, "admin", adminPort), ports, "the container's named ports");
        // Probes and scrapes come from outside the pod's loopback: both listeners on every interface.
        assertEquals("0.0.0.0", loaded.value("listener.host"));
        assertEquals("0.0.0.0", loaded.value("admin.host"), "admin.host: the kubelet's probes and Prometheus "
                + "reach the admin listener on the pod's address");
    }

    @Test
    void probesAskTheAdminListener() {
        ObjectNode c = container(deployment());
        int admin = containerPorts().get("admin");
        Map<String, String> expected = Map.of("readinessProbe", "/readyz", "livenessProbe", "/healthz",
                "startupProbe", "/healthz");
        expected.forEach((probe, path) -> {
            JsonNode get = c.path(probe).path("httpGet");
            assertEquals(path, get.path("path").asText(), probe + ".httpGet.path");
            assertEquals(admin, resolvePort(get.path("port")), probe + ".httpGet.port is the admin listener's");
            assertFalse(get.has("host"), probe + " must ask the pod itself");
        });
    }

    @Test
    void terminationGraceCoversPreStopDrainDelayAndGrace() throws Exception {
        JsonNode pod = deployment().path("spec").path("template").path("spec");
        JsonNode preStop = container(deployment()).path("lifecycle").path("preStop");
        assertTrue(preStop.has("sleep") && !preStop.has("exec"),
                "preStop uses the kubelet's sleep action: the image has no sleep binary");
        long preStopSeconds = preStop.path("sleep").path("seconds").asLong();
        LoadedConfig loaded = loadedConfig();
        Duration drainDelay = Duration.ofMillis(loaded.longValue("shutdown.drainDelay.ms"));
        Duration grace = Duration.ofMillis(loaded.longValue("shutdown.grace.ms"));
        assertTrue(preStopSeconds >= 1 && preStopSeconds <= drainDelay.toSeconds() + 10,
                "preStop sleep " + preStopSeconds + " s, drain delay " + drainDelay);
        Duration needed = Duration.ofSeconds(preStopSeconds).plus(drainDelay).plus(grace);
        long terminationGrace = pod.path("terminationGracePeriodSeconds").asLong(30); // Kubernetes' default: 30
        assertTrue(Duration.ofSeconds(terminationGrace).compareTo(needed) > 0,
                "terminationGracePeriodSeconds " + terminationGrace + " must exceed preStop " + preStopSeconds
                        + " s + shutdown.drainDelay " + drainDelay + " + shutdown.grace " + grace);
    }

    /**
     * The pod runs the image's entry point: the launcher with the image's own layer first, then the
     * Deployment's args; the loader above reads the same two files in that order. The user it runs as is
     * the image's.
     */
    @Test
    void theImagesEntryPointAndUserAreWhatThePodRuns() throws Exception {
        List<String> dockerfile = Files.readAllLines(projectRoot().resolve("docker/Dockerfile"));
        assertTrue(dockerfile.contains("ENTRYPOINT [\"/app/gateway\", \"--config\", \"/app/container.yaml\"]"),
                "the image's entry point changed: the loader here must read what it layers");
        assertTrue(dockerfile.contains("COPY docker/container.yaml /app/container.yaml"), "the image's own layer");
        ObjectNode c = container(deployment());
        String user = c.path("securityContext").path("runAsUser").asText() + ":"
                + c.path("securityContext").path("runAsGroup").asText();
        assertTrue(dockerfile.contains("USER " + user), "the pod runs as " + user + ", the image as another user");
    }

    @Test
    void theConfigMapIsTheGatewaysConfigFileAndHotReloads() throws Exception {
        ObjectNode d = deployment();
        ObjectNode c = container(d);
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        int at = args.indexOf("--config");
        assertTrue(at >= 0 && at + 1 < args.size(), "args give --config FILE: " + args);
        Path file = Path.of(args.get(at + 1));
        assertFalse(c.has("command"), "the image's entry point (the launcher) stays");
        // --demo would keep the public demo credentials beside the Secret's (maps merge key by key).
        assertFalse(args.contains("--demo"), "the demo layer in production: " + args);

        JsonNode mount = null;
        for (JsonNode m : c.path("volumeMounts")) {
            if (file.startsWith(m.path("mountPath").asText())) {
                mount = m;
            }
        }
        assertNotNull(mount, "no volume mounted where " + file + " is");
        assertFalse(mount.has("subPath") || mount.has("subPathExpr"),
                "a subPath mount never sees the ConfigMap's updates: mount the directory");
        JsonNode volume = volume(d, mount.path("name").asText());
        String configMap = volume.path("configMap").path("name").asText();
        assertEquals("gateway-config", configMap, "the volume " + volume);
        String key = Path.of(mount.path("mountPath").asText()).relativize(file).toString();
        for (JsonNode item : volume.path("configMap").path("items")) { // none here; a mapping would rename keys
            if (item.path("path").asText().equals(key)) {
                key = item.path("key").asText();
            }
        }
        assertTrue(find("ConfigMap", configMap).doc().path("data").has(key),
                "ConfigMap " + configMap + " has no key " + key + " for " + file);
        assertEquals("true", loadedConfig().value("migration.watchConfig"), "the file is watched for changes");
    }

    @Test
    void theConfigMapLoadsInTheGatewaysLoaderWithTheDeploymentsEnvironment() throws Exception {
        Map<String, String> env = deploymentEnvironment();
        LoadedConfig loaded = loadedConfig();
        // The secrets the gateway resolved are the values the environment held, byte for byte.
        for (Map.Entry<String, String> ref : configEnvReferences().entrySet()) {
            String setting = ref.getKey();
            String var = ref.getValue();
            assertEquals(sha256(env.get(var)), loaded.value("secret." + setting + ".sha256"),
                    setting + " is resolved from $" + var);
        }
        assertEquals("[trade:8080]", loaded.value("upstream.trade"));
        assertEquals("[task:8080]", loaded.value("upstream.task"));
        // And without each of those variables the gateway refuses to start, naming the setting that refers to
        // it (never the reference itself: a secret pasted after "env:" would be printed): the environment the
        // Deployment gives is what makes the file load.
        for (Map.Entry<String, String> ref : configEnvReferences().entrySet()) {
            String var = ref.getValue();
            Map<String, String> without = new HashMap<>(env);
            without.remove(var);
            ChildResult r = runLoader(without);
            assertNotEquals(0, r.exit(), "loaded without $" + var + ": " + r.out());
            assertTrue(r.err().contains("setting '" + ref.getKey() + "' names an environment variable"),
                    "the refusal names the setting that reads $" + var + ": " + r.err());
        }
    }

    @Test
    void everyEnvReferenceOfTheConfigComesFromTheSecret() throws Exception {
        Map<String, String> refs = configEnvReferences();
        assertFalse(refs.isEmpty(), "the ConfigMap references no env:VAR");
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container(deployment()).path("env").forEach(e -> env.put(e.path("name").asText(), e));
        JsonNode example = find("Secret", "gateway-secrets").doc();
        Set<String> exampleKeys = new TreeSet<>();
        example.path("stringData").fieldNames().forEachRemaining(exampleKeys::add);
        example.path("data").fieldNames().forEachRemaining(exampleKeys::add);
        for (Map.Entry<String, String> ref : refs.entrySet()) {
            JsonNode e = env.get(ref.getValue());
            assertNotNull(e, ref.getKey() + " reads $" + ref.getValue() + ", which the Deployment does not set");
            JsonNode secretRef = e.path("valueFrom").path("secretKeyRef");
            assertFalse(e.has("value"), "$" + ref.getValue() + " is a secret: never a literal value");
            assertEquals("gateway-secrets", secretRef.path("name").asText(), "$" + ref.getValue() + " from the Secret");
            assertFalse(secretRef.path("optional").asBoolean(false), "$" + ref.getValue() + " must not be optional");
            assertTrue(exampleKeys.contains(secretRef.path("key").asText()), "the example Secret has no key "
                    + secretRef.path("key").asText() + " (has " + exampleKeys + ")");
        }
        // Every secretKeyRef of the Deployment, not only those, names a key the example documents.
        for (JsonNode e : env.values()) {
            JsonNode secretRef = e.path("valueFrom").path("secretKeyRef");
            if (!secretRef.isMissingNode()) {
                assertEquals("gateway-secrets", secretRef.path("name").asText());
                assertTrue(exampleKeys.contains(secretRef.path("key").asText()), "the example Secret lacks "
                        + secretRef.path("key").asText());
            }
        }
        // The example ships no usable secret: every value is empty.
        example.path("stringData").forEach(v -> assertEquals("", v.asText(), "secret.example.yaml holds a value"));
        assertFalse(example.has("data"), "secret.example.yaml: values go in stringData, empty");
    }

    @Test
    void theConfigMapHoldsNoSecret() throws Exception {
        JsonNode config = YAML.readTree(configFileText());
        List<String> literal = new ArrayList<>();
        config.path("auth").path("hmacKeys").properties().forEach(e -> {
            if (!e.getValue().asText().startsWith("env:")) {
                literal.add("auth.hmacKeys." + e.getKey());
            }
        });
        config.path("migration").path("adminTokens").properties().forEach(e -> {
            if (!e.getValue().asText().startsWith("env:")) {
                literal.add("migration.adminTokens." + e.getKey());
            }
        });
        assertTrue(literal.isEmpty(), "secrets written into the ConfigMap instead of env:VAR: " + literal);
        assertTrue(config.path("auth").path("jwksUrl").asText("").isEmpty() || !config.path("auth").path("jwksUrl")
                .asText().contains("@"), "credentials in auth.jwksUrl");
    }

    @Test
    void thePodRunsLockedDownWithAWritableTmp() {
        ObjectNode d = deployment();
        JsonNode pod = d.path("spec").path("template").path("spec");
        ObjectNode c = container(d);
        JsonNode sc = c.path("securityContext");
        JsonNode podSc = pod.path("securityContext");
        assertTrue(sc.path("runAsNonRoot").asBoolean(podSc.path("runAsNonRoot").asBoolean()), "runAsNonRoot");
        assertEquals(10001, sc.path("runAsUser").asInt(podSc.path("runAsUser").asInt()), "the image's user");
        assertEquals(10001, sc.path("runAsGroup").asInt(podSc.path("runAsGroup").asInt()), "the image's group");
        assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem");
        assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation");
        assertEquals("[\"ALL\"]", sc.path("capabilities").path("drop").toString(), "capabilities.drop");
        assertFalse(sc.path("capabilities").has("add"), "capabilities.add");
        assertEquals("RuntimeDefault", sc.path("seccompProfile").path("type")
                .asText(podSc.path("seccompProfile").path("type").asText()), "seccompProfile");

        JsonNode tmp = null;
        for (JsonNode m : c.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals("/tmp")) {
                tmp = m;
            }
        }
        assertNotNull(tmp, "a writable /tmp: the root file system is read-only");
        assertFalse(tmp.path("readOnly").asBoolean(false), "/tmp is writable");
        JsonNode emptyDir = volume(d, tmp.path("name").asText()).path("emptyDir");
        assertTrue(emptyDir.has("sizeLimit"), "/tmp is an emptyDir with a sizeLimit: " + emptyDir);

        JsonNode resources = c.path("resources");
        assertTrue(resources.path("requests").has("cpu"), "a CPU request: the autoscaler measures against it");
        assertFalse(resources.path("limits").has("cpu"), "no CPU limit: CFS throttling lands on the tail");
        long limit = bytes(resources.path("limits").path("memory").asText());
        long request = bytes(resources.path("requests").path("memory").asText());
        assertTrue(limit >= 128L << 20, "the launcher needs a budget of 128 MiB at least: " + limit);
        assertTrue(request > 161L << 20 && request <= limit,
                "the memory request covers the measured peak RSS (161 MiB) and stays within the limit: " + request);
    }

    @Test
    void servicesBudgetAndAutoscalerTargetTheDeployment() {
        ObjectNode d = deployment();
        Map<String, String> podLabels = labels(d.path("spec").path("template").path("metadata").path("labels"));
        Map<String, String> selector = labels(d.path("spec").path("selector").path("matchLabels"));
        assertFalse(selector.isEmpty(), "the Deployment's selector");
        assertTrue(d.path("spec").path("selector").path("matchExpressions").isMissingNode());
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "the Deployment selects its own pods");
        Map<String, Integer> ports = containerPorts();

        Map<String, String> wanted = Map.of("gateway", "http", "gateway-admin", "admin");
        wanted.forEach((service, port) -> {
            JsonNode s = find("Service", service).doc();
            Map<String, String> sel = labels(s.path("spec").path("selector"));
            assertFalse(sel.isEmpty(), service + " has a selector");
            assertTrue(podLabels.entrySet().containsAll(sel.entrySet()), service + " selects the gateway pods");
            List<Integer> targets = new ArrayList<>();
            s.path("spec").path("ports").forEach(p -> targets.add(resolvePort(p.path("targetPort"))));
            assertEquals(List.of(ports.get(port)), targets, service + " targets the " + port + " port");
        });
        assertTrue(find("Service", "gateway-admin").doc().path("spec").path("publishNotReadyAddresses").asBoolean(),
                "gateway-admin lists pods that are not ready: they are scraped too (GatewayNotReady)");

        JsonNode pdb = find("PodDisruptionBudget", "gateway").doc();
        assertTrue(podLabels.entrySet().containsAll(labels(pdb.path("spec").path("selector").path("matchLabels"))
                .entrySet()) && !labels(pdb.path("spec").path("selector").path("matchLabels")).isEmpty(),
                "the PodDisruptionBudget selects the gateway pods");

        JsonNode hpa = find("HorizontalPodAutoscaler", "gateway").doc().path("spec");
        assertEquals("apps/v1", hpa.path("scaleTargetRef").path("apiVersion").asText());
        assertEquals("Deployment", hpa.path("scaleTargetRef").path("kind").asText());
        assertEquals(d.path("metadata").path("name").asText(), hpa.path("scaleTargetRef").path("name").asText());
        assertTrue(hpa.path("minReplicas").asInt() >= 2, "two replicas at least");
        assertTrue(hpa.path("maxReplicas").asInt() > hpa.path("minReplicas").asInt());
        JsonNode metric = hpa.path("metrics").path(0);
        assertEquals("cpu", metric.path("resource").path("name").asText(), "the autoscaler scales on CPU");
        assertEquals("Utilization", metric.path("resource").path("target").path("type").asText());
        assertTrue(hpa.path("behavior").path("scaleDown").path("stabilizationWindowSeconds").asInt() >= 60,
                "scale-down is stabilised");
        assertFalse(d.path("spec").has("replicas"), "the autoscaler owns the replica count");
        // PDB against the minimum: a drain may take one pod, never the last.
        assertTrue(pdb.path("spec").path("maxUnavailable").asInt(Integer.MAX_VALUE) < hpa.path("minReplicas").asInt());
    }

    @Test
    void networkPolicyOpensThePublicPortToAllAndTheAdminPortToTheCluster() {
        ObjectNode d = deployment();
        Map<String, String> podLabels = labels(d.path("spec").path("template").path("metadata").path("labels"));
        JsonNode np = find("NetworkPolicy", "gateway").doc().path("spec");
        Map<String, String> sel = labels(np.path("podSelector").path("matchLabels"));
        assertFalse(sel.isEmpty(), "the policy selects pods by label");
        assertTrue(podLabels.entrySet().containsAll(sel.entrySet()), "the policy selects the gateway pods");
        assertTrue(np.path("policyTypes").toString().contains("Ingress"));
        Map<String, Integer> ports = containerPorts();
        int http = ports.get("http");
        int admin = ports.get("admin");

        Set<Integer> openToAll = new TreeSet<>();
        Set<Integer> openToCluster = new TreeSet<>();
        for (JsonNode rule : np.path("ingress")) {
            List<Integer> rulePorts = new ArrayList<>();
            rule.path("ports").forEach(p -> {
                assertEquals("TCP", p.path("protocol").asText("TCP"));
                rulePorts.add(resolvePort(p.path("port")));
            });
            assertFalse(rulePorts.isEmpty(), "a rule without ports opens every port: " + rule);
            boolean fromAnywhere = !rule.has("from") || rule.path("from").isEmpty();
            for (JsonNode peer : rule.path("from")) {
                assertFalse(peer.has("ipBlock"), "the admin port must not be opened to addresses: " + peer);
            }
            (fromAnywhere ? openToAll : openToCluster).addAll(rulePorts);
        }
        assertEquals(Set.of(http), openToAll, "only the public port is open to any source");
        assertEquals(Set.of(admin), openToCluster, "the admin port is open to pods of the cluster");
    }

    @Test
    void kustomizationAppliesEveryManifestButTheExampleSecret() throws IOException {
        JsonNode k = YAML.readTree(dir.resolve(KUSTOMIZATION).toFile());
        assertEquals("kustomize.config.k8s.io/v1beta1", k.path("apiVersion").asText());
        assertEquals("Kustomization", k.path("kind").asText());
        assertFalse(k.has("namespace"), "namespace-agnostic: the namespace comes from kubectl -n or an overlay");
        Set<String> listed = new TreeSet<>();
        k.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = manifests.stream().map(Manifest::file).collect(Collectors.toCollection(TreeSet::new));
        files.remove(EXAMPLE_SECRET);
        assertEquals(files, listed, "kustomization.yaml resources");
        assertFalse(listed.contains(EXAMPLE_SECRET), "the example Secret is never applied");
        Set<String> kindsApplied = manifests.stream().filter(m -> listed.contains(m.file())).map(Manifest::kind)
                .collect(Collectors.toSet());
        assertFalse(kindsApplied.contains("Secret"), "no Secret is applied with the manifests");

        String image = container(deployment()).path("image").asText();
        String imageName = image.replaceAll(":[^:/]+$", "");
        boolean named = false;
        for (JsonNode i : k.path("images")) {
            named |= i.path("name").asText().equals(imageName);
        }
        assertTrue(named, "kustomize images: has an entry for the container's image " + imageName);
        assertTrue(Files.isRegularFile(dir.resolve("README.md")), "deploy/k8s/README.md");
        assertTrue(Files.readString(dir.resolve("README.md")).contains("Kubernetes " + KUBERNETES_VERSION),
                "the README names the Kubernetes version the manifests are validated against");
    }

    // ---------------------------------------------------------------------------------------------------------
    // The gateway's own configuration loader, in a JVM of its own: it resolves env:VAR with System.getenv.

    /** What {@link LoadConfig} printed for the ConfigMap's file. */
    record LoadedConfig(Map<String, String> values) {
        String value(String key) {
            String v = values.get(key);
            assertNotNull(v, "the loader printed no " + key + ": " + values.keySet());
            return v;
        }

        int intValue(String key) {
            return Integer.parseInt(value(key));
        }

        long longValue(String key) {
            return Long.parseLong(value(key));
        }
    }

    record ChildResult(int exit, String out, String err) {
    }

    private static LoadedConfig loaded;
    private static Map<String, String> environment;

    static synchronized LoadedConfig loadedConfig() throws Exception {
        if (loaded == null) {
            ChildResult r = runLoader(deploymentEnvironment());
            assertEquals(0, r.exit(), "the gateway's loader refused the ConfigMap's gateway.yaml with the "
                    + "Deployment's environment:\n" + r.err());
            Map<String, String> values = new TreeMap<>();
            for (String line : r.out().split("\n")) {
                if (line.startsWith(LoadConfig.PREFIX)) {
                    String kv = line.substring(LoadConfig.PREFIX.length());
                    int eq = kv.indexOf('=');
                    values.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            loaded = new LoadedConfig(values);
        }
        return loaded;
    }

    /**
     * The environment the Deployment gives the container: literal values as written, and for each secret a
     * random stand-in (48 random bytes, base64) in place of the Secret's value.
     */
    static synchronized Map<String, String> deploymentEnvironment() {
        if (environment == null) {
            SecureRandom random = new SecureRandom();
            Map<String, String> env = new TreeMap<>();
            for (JsonNode e : container(deployment()).path("env")) {
                String name = e.path("name").asText();
                if (e.has("value")) {
                    env.put(name, e.path("value").asText());
                } else if (e.path("valueFrom").has("secretKeyRef")) {
                    byte[] b = new byte[48];
                    random.nextBytes(b);
                    env.put(name, Base64.getEncoder().encodeToString(b));
                }
            }
            environment = env;
        }
        return environment;
    }

    static ChildResult runLoader(Map<String, String> env) throws Exception {
        Path file = Files.createTempFile("gateway-k8s", ".yaml");
        Path out = Files.createTempFile("gateway-k8s", ".out");
        Path err = Files.createTempFile("gateway-k8s", ".err");
        try {
            Files.writeString(file, configFileText());
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classPath, LoadConfig.class.getName(),
                    projectRoot().resolve("docker/container.yaml").toString(), file.toString());
            pb.environment().clear(); // only what the Deployment gives, plus what a JVM needs to start
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().putAll(env);
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the configuration loader did not finish in 60 s");
            }
            return new ChildResult(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Loads the configuration layers the pod runs with, the image's ({@code docker/container.yaml}, its entry
     * point's {@code --config}) then the ConfigMap's, with the gateway's own loader ({@link LayeredConfig}:
     * defaults merged, read strictly, {@code env:} resolved), and prints what the test compares, a digest in
     * place of each secret. Exit 2 with the loader's message when it refuses them.
     */
    public static final class LoadConfig {
        static final String PREFIX = "k8s-manifests-test ";

        public static void main(String[] args) throws Exception {
            GatewayConfig c;
            try {
                List<ConfigLayer> layers = new ArrayList<>();
                for (String a : args) {
                    layers.add(ConfigLayer.file(Path.of(a)));
                }
                c = LayeredConfig.load(layers).config();
            } catch (RuntimeException e) {
                System.err.println(e.getMessage());
                System.exit(2);
                return;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("listener.host", c.listener().host());
            out.put("listener.port", c.listener().port());
            out.put("admin.host", c.admin().host());
            out.put("admin.port", c.admin().port());
            out.put("shutdown.drainDelay.ms", c.shutdown().drainDelay().toMillis());
            out.put("shutdown.grace.ms", c.shutdown().grace().toMillis());
            out.put("migration.watchConfig", c.migration().watchConfig());
            c.upstreams().forEach((name, u) -> out.put("upstream." + name, u.endpoints()));
            c.auth().hmacKeys().forEach((kid, key) -> out.put("secret.auth.hmacKeys." + kid + ".sha256", sha256(key)));
            c.migration().adminTokens().forEach((name, token) ->
                    out.put("secret.migration.adminTokens." + name + ".sha256", sha256(token)));
            out.forEach((k, v) -> System.out.println(PREFIX + k + "=" + v));
            System.exit(0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Strict Kubernetes schemas from fabric8's generated ones

    /**
     * The definitions of fabric8's {@code schema/validation-schema.json} of five model jars, made strict, as
     * draft-07 documents validated with networknt's json-schema-validator.
     */
    static final class KubernetesSchemas {
        static final List<String> MODULES = List.of("core", "apps", "policy", "autoscaling", "networking");
        /** Where the modules' documents go by in the registry; nothing is ever fetched. */
        static final String IRI_BASE = "https://kubernetes-" + KUBERNETES_VERSION + ".schemas.invalid/";
        /** The JSON Schema keywords fabric8's schemas use; its own (javaType, existingJavaType …) are dropped. */
        static final Set<String> KEYWORDS = Set.of("type", "properties", "additionalProperties", "items", "$ref",
                "pattern", "maxLength", "default", "enum");
        /** resource.Quantity's text form (k8s.io/apimachinery/pkg/api/resource), as kubeconform's schemas have it. */
        static final String QUANTITY = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?"
                + "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
        /** Definitions whose fabric8 form is the Go struct, not what goes over the wire. */
        static final Map<String, String> WIRE_FORMS = Map.of(
                "kubernetes_apimachinery_pkg_util_intstr_IntOrString", "{\"type\": [\"integer\", \"string\"]}",
                "k8s_io_apimachinery_pkg_api_resource_Quantity",
                "{\"type\": [\"string\", \"number\"], \"pattern\": " + quoted(QUANTITY) + "}",
                "kubernetes_resource_Quantity",
                "{\"type\": [\"string\", \"number\"], \"pattern\": " + quoted(QUANTITY) + "}",
                "kubernetes_apimachinery_pkg_apis_MicroTime", "{\"type\": \"string\"}");
        /**
         * The {@code required} lists of the Kubernetes 1.30 OpenAPI for the types a workload's objects are made
         * of (fabric8's schemas carry none): fields without {@code +optional} in the Go API types.
         */
        static final Map<String, List<String>> REQUIRED = Map.ofEntries(
                Map.entry("kubernetes_apps_DeploymentSpec", List.of("selector", "template")),
                Map.entry("kubernetes_core_PodSpec", List.of("containers")),
                Map.entry("kubernetes_core_Container", List.of("name")),
                Map.entry("kubernetes_core_EphemeralContainer", List.of("name")),
                Map.entry("kubernetes_core_ContainerPort", List.of("containerPort")),
                Map.entry("kubernetes_core_ContainerResizePolicy", List.of("resourceName", "restartPolicy")),
                Map.entry("kubernetes_core_EnvVar", List.of("name")),
                Map.entry("kubernetes_core_SecretKeySelector", List.of("key")),
                Map.entry("kubernetes_core_ConfigMapKeySelector", List.of("key")),
                Map.entry("kubernetes_core_ObjectFieldSelector", List.of("fieldPath")),
                Map.entry("kubernetes_core_ResourceFieldSelector", List.of("resource")),
                Map.entry("kubernetes_core_Volume", List.of("name")),
                Map.entry("kubernetes_core_VolumeMount", List.of("name", "mountPath")),
                Map.entry("kubernetes_core_KeyToPath", List.of("key", "path")),
                Map.entry("kubernetes_core_DownwardAPIVolumeFile", List.of("path")),
                Map.entry("kubernetes_core_HTTPGetAction", List.of("port")),
                Map.entry("kubernetes_core_HTTPHeader", List.of("name", "value")),
                Map.entry("kubernetes_core_TCPSocketAction", List.of("port")),
                Map.entry("kubernetes_core_GRPCAction", List.of("port")),
                Map.entry("kubernetes_core_SleepAction", List.of("seconds")),
                Map.entry("kubernetes_core_SeccompProfile", List.of("type")),
                Map.entry("kubernetes_core_AppArmorProfile", List.of("type")),
                Map.entry("kubernetes_core_Sysctl", List.of("name", "value")),
                Map.entry("kubernetes_core_TopologySpreadConstraint", List.of("maxSkew", "topologyKey",
                        "whenUnsatisfiable")),
                Map.entry("kubernetes_core_PodAffinityTerm", List.of("topologyKey")),
                Map.entry("kubernetes_core_WeightedPodAffinityTerm", List.of("weight", "podAffinityTerm")),
                Map.entry("kubernetes_core_NodeSelector", List.of("nodeSelectorTerms")),
                Map.entry("kubernetes_core_NodeSelectorRequirement", List.of("key", "operator")),
                Map.entry("kubernetes_core_PreferredSchedulingTerm", List.of("weight", "preference")),
                Map.entry("kubernetes_core_PodReadinessGate", List.of("conditionType")),
                Map.entry("kubernetes_core_PodSchedulingGate", List.of("name")),
                Map.entry("kubernetes_core_PodResourceClaim", List.of("name")),
                Map.entry("kubernetes_core_ResourceClaim", List.of("name")),
                Map.entry("kubernetes_core_ServicePort", List.of("port")),
                Map.entry("kubernetes_apimachinery_LabelSelectorRequirement", List.of("key", "operator")),
                Map.entry("kubernetes_apimachinery_pkg_apis_LabelSelectorRequirement", List.of("key", "operator")),
                Map.entry("kubernetes_apimachinery_OwnerReference", List.of("apiVersion", "kind", "name", "uid")),
                Map.entry("kubernetes_autoscaling_v2_HorizontalPodAutoscalerSpec", List.of("scaleTargetRef",
                        "maxReplicas")),
                Map.entry("kubernetes_autoscaling_v2_CrossVersionObjectReference", List.of("kind", "name")),
                Map.entry("kubernetes_autoscaling_v2_MetricSpec", List.of("type")),
                Map.entry("kubernetes_autoscaling_v2_ResourceMetricSource", List.of("name", "target")),
                Map.entry("kubernetes_autoscaling_v2_ContainerResourceMetricSource", List.of("name", "target",
                        "container")),
                Map.entry("kubernetes_autoscaling_v2_PodsMetricSource", List.of("metric", "target")),
                Map.entry("kubernetes_autoscaling_v2_ObjectMetricSource", List.of("describedObject", "target",
                        "metric")),
                Map.entry("kubernetes_autoscaling_v2_ExternalMetricSource", List.of("metric", "target")),
                Map.entry("kubernetes_autoscaling_v2_MetricIdentifier", List.of("name")),
                Map.entry("kubernetes_autoscaling_v2_MetricTarget", List.of("type")),
                Map.entry("kubernetes_autoscaling_v2_HPAScalingPolicy", List.of("type", "value", "periodSeconds")),
                Map.entry("kubernetes_networking_v1_NetworkPolicySpec", List.of("podSelector")),
                Map.entry("kubernetes_networking_v1_IPBlock", List.of("cidr")));

        /** Module to its strict definitions. */
        private final Map<String, ObjectNode> definitions;
        /** "apiVersion kind" to the module and definition of that object. */
        private final Map<String, List<String[]>> byKind;
        private final SchemaRegistry registry;
        private final Map<String, Schema> compiled = new HashMap<>();

        private KubernetesSchemas(Map<String, ObjectNode> definitions, Map<String, List<String[]>> byKind) {
            this.definitions = definitions;
            this.byKind = byKind;
            Map<String, String> documents = new HashMap<>();
            definitions.forEach((module, defs) -> {
                ObjectNode document = JSON.createObjectNode();
                document.put("$schema", "http://json-schema.org/draft-07/schema#");
                document.set("definitions", defs);
                try {
                    documents.put(iri(module), JSON.writeValueAsString(document));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            SchemaRegistryConfig config = SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build();
            this.registry = SchemaRegistry.withDialect(Dialects.getDraft7(), b -> b
                    .schemas(documents)
                    .schemaLoader(l -> l.fetchRemoteResources(false))
                    .schemaRegistryConfig(config));
        }

        static String iri(String module) {
            return IRI_BASE + module + ".json";
        }

        /**
         * Each module's schema stays a document of its own: every one holds the core types too, under names
         * that differ from module to module ({@code kubernetes_apimachinery_ObjectMeta} here,
         * {@code kubernetes_apimachinery_pkg_apis_ObjectMeta} there). An object is validated against the
         * first module, in {@link #MODULES} order, that defines its kind.
         */
        static KubernetesSchemas load() throws IOException {
            Map<String, ObjectNode> modules = new LinkedHashMap<>();
            Enumeration<URL> urls = KubernetesManifestsTest.class.getClassLoader()
                    .getResources("schema/validation-schema.json");
            while (urls.hasMoreElements()) {
                URL url = urls.nextElement();
                JsonNode schema;
                try (InputStream in = url.openStream()) {
                    schema = JSON.readTree(in);
                }
                String module = schema.path("$module").asText();
                if (!MODULES.contains(module)) {
                    continue;
                }
                ObjectNode defs = JSON.createObjectNode();
                for (Map.Entry<String, JsonNode> e : schema.path("definitions").properties()) {
                    defs.set(e.getKey(), WIRE_FORMS.containsKey(e.getKey())
                            ? JSON.readTree(WIRE_FORMS.get(e.getKey()))
                            : strict(e.getValue()));
                }
                if (modules.put(module, defs) != null) {
                    throw new IllegalStateException("two schemas of module " + module + " on the class path");
                }
            }
            if (!modules.keySet().equals(Set.copyOf(MODULES))) {
                throw new IllegalStateException("schemas of modules " + modules.keySet() + " on the class path, "
                        + "expected " + MODULES + " (" + SCHEMA_SOURCE + ")");
            }
            for (Map.Entry<String, List<String>> r : REQUIRED.entrySet()) {
                boolean found = false;
                for (ObjectNode defs : modules.values()) {
                    ObjectNode def = (ObjectNode) defs.get(r.getKey());
                    if (def == null) {
                        continue;
                    }
                    found = true;
                    for (String field : r.getValue()) {
                        if (!def.path("properties").has(field)) {
                            throw new IllegalStateException(r.getKey() + " has no property " + field + " to require");
                        }
                    }
                    addRequired(def, r.getValue());
                }
                if (!found) {
                    throw new IllegalStateException("no definition " + r.getKey() + " to make fields required in");
                }
            }
            Map<String, List<String[]>> byKind = new HashMap<>();
            for (String module : MODULES) {
                for (Map.Entry<String, JsonNode> e : modules.get(module).properties()) {
                    JsonNode props = e.getValue().path("properties");
                    String apiVersion = props.path("apiVersion").path("default").asText("");
                    String kind = props.path("kind").path("default").asText("");
                    if (apiVersion.isEmpty() || kind.isEmpty()) {
                        continue;
                    }
                    // Pinned: an object is only ever checked against its own kind's definition.
                    ((ObjectNode) props.path("apiVersion")).set("enum", JSON.createArrayNode().add(apiVersion));
                    ((ObjectNode) props.path("kind")).set("enum", JSON.createArrayNode().add(kind));
                    List<String[]> known = byKind.computeIfAbsent(apiVersion + " " + kind, k -> new ArrayList<>());
                    if (known.stream().noneMatch(k -> k[0].equals(module) || k[1].equals(e.getKey()))) {
                        known.add(new String[] {module, e.getKey()});
                    }
                }
            }
            return new KubernetesSchemas(modules, byKind);
        }

        /** A fabric8 schema made strict: its own keywords dropped, closed objects, required arrays. */
        static JsonNode strict(JsonNode node) {
            if (!node.isObject()) {
                return node;
            }
            ObjectNode out = JSON.createObjectNode();
            List<String> required = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String key = e.getKey();
                if (!KEYWORDS.contains(key)) {
                    continue;
                }
                if (key.equals("properties")) {
                    ObjectNode props = JSON.createObjectNode();
                    e.getValue().properties().forEach(p -> {
                        if (p.getValue().path("required").asBoolean(false)) {
                            required.add(p.getKey());
                        }
                        props.set(p.getKey(), strict(p.getValue()));
                    });
                    out.set("properties", props);
                } else if (key.equals("items") || key.equals("additionalProperties")) {
                    out.set(key, strict(e.getValue()));
                } else {
                    out.set(key, e.getValue());
                }
            }
            if (out.has("properties")) {
                // An object that lists its properties has no others; maps (labels, data …) list none.
                out.put("additionalProperties", false);
            }
            if (!required.isEmpty()) {
                addRequired(out, required);
            }
            return out;
        }

        static void addRequired(ObjectNode def, List<String> fields) {
            Set<String> all = new TreeSet<>(fields);
            def.path("required").forEach(r -> all.add(r.asText()));
            ArrayNode array = def.putArray("required");
            all.forEach(array::add);
        }

        /** Whether any module's definition of that name has that property. */
        boolean hasProperty(String definition, String property) {
            return definitions.values().stream().anyMatch(d -> d.path(definition).path("properties").has(property));
        }

        /** The problems of one object, each {@code POINTER: message}; none when it is valid. */
        List<String> validate(JsonNode doc) {
            String apiVersion = doc.path("apiVersion").asText();
            String kind = doc.path("kind").asText();
            List<String[]> found = byKind.get(apiVersion + " " + kind);
            if (found == null || found.size() != 1 && !found.stream().allMatch(f -> f[1].equals(found.get(0)[1]))) {
                return List.of(": no schema for apiVersion " + apiVersion + " kind " + kind + " in Kubernetes "
                        + KUBERNETES_VERSION + (found == null ? "" : " (ambiguous: "
                        + found.stream().map(f -> f[1]).toList() + ")"));
            }
            String[] where = found.get(0);
            Schema schema = compiled.computeIfAbsent(where[0] + "#" + where[1], n -> {
                Schema s = registry.getSchema(SchemaLocation.of(iri(where[0]) + "#/definitions/" + where[1]));
                s.initializeValidators();
                return s;
            });
            List<String> problems = new ArrayList<>();
            for (Error e : schema.validate(doc)) {
                problems.add(e.getInstanceLocation() + ": " + e.getMessage());
            }
            return problems;
        }

        private static String quoted(String s) {
            try {
                return JSON.writeValueAsString(s);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    static Manifest find(String kind, String name) {
        return manifests.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " under deploy/k8s"));
    }

    static ObjectNode deployment() {
        return (ObjectNode) find("Deployment", "gateway").doc();
    }

    /** The gateway container of a Deployment (the only one). */
    static ObjectNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container");
        return (ObjectNode) containers.path(0);
    }

    static JsonNode volume(JsonNode deployment, String name) {
        for (JsonNode v : deployment.path("spec").path("template").path("spec").path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** Port name to number of the gateway container. */
    static Map<String, Integer> containerPorts() {
        Map<String, Integer> ports = new TreeMap<>();
        container(deployment()).path("ports").forEach(p -> ports.put(p.path("name").asText(),
                p.path("containerPort").asInt()));
        return ports;
    }

    /** A port given by number or by the container port's name. */
    static int resolvePort(JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        Integer n = containerPorts().get(port.asText());
        assertNotNull(n, "no container port named '" + port.asText() + "'");
        return n;
    }

    static Map<String, String> labels(JsonNode map) {
        Map<String, String> out = new TreeMap<>();
        map.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static void rename(ObjectNode node, String from, String to) {
        JsonNode v = node.remove(from);
        assertNotNull(v, "no " + from + " to rename");
        node.set(to, v);
    }

    /** The ConfigMap's gateway.yaml, as the pod sees it. */
    static String configFileText() {
        JsonNode text = find("ConfigMap", "gateway-config").doc().path("data").path("gateway.yaml");
        assertTrue(text.isTextual(), "ConfigMap gateway-config has data.gateway.yaml");
        return text.asText();
    }

    /** Setting path to variable, for every {@code env:VAR} value of the ConfigMap's gateway.yaml. */
    static Map<String, String> configEnvReferences() throws IOException {
        Map<String, String> refs = new TreeMap<>();
        collectEnv(YAML.readTree(configFileText()), "", refs);
        return refs;
    }

    private static void collectEnv(JsonNode node, String path, Map<String, String> refs) {
        if (node.isObject()) {
            node.properties().forEach(e ->
                    collectEnv(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), refs));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectEnv(node.get(i), path + "[" + i + "]", refs);
            }
        } else if (node.isTextual() && node.asText().startsWith("env:")) {
            refs.put(path, node.asText().substring(4));
        }
    }

    static JsonNode defaultsFromClasspath() throws IOException {
        try (InputStream in = GatewayConfig.class.getClassLoader().getResourceAsStream("gateway-defaults.yaml")) {
            assertNotNull(in, "gateway-defaults.yaml is not on the class path (gateway-core)");
            return YAML.readTree(in);
        }
    }

    /** A Kubernetes memory quantity in bytes (the binary and decimal suffixes the manifests may use). */
    static long bytes(String quantity) {
        Matcher m = Pattern.compile("^([0-9]+)(Ki|Mi|Gi|k|M|G)?$").matcher(quantity);
        assertTrue(m.matches(), "a memory quantity: " + quantity);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        return switch (unit) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            case "Gi" -> n << 30;
            case "k" -> n * 1000;
            case "M" -> n * 1000_000;
            case "G" -> n * 1000_000_000;
            default -> n;
        };
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> readAll(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /** The system property project.root (gateway-it's pom sets it), else the nearest directory above with deploy/k8s. */
    static Path projectRoot() {
        String configured = System.getProperty("project.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("deploy/k8s/" + KUSTOMIZATION))) {
                return d;
            }
        }
        throw new IllegalStateException("no deploy/k8s/" + KUSTOMIZATION + " at or above " + Path.of("").toAbsolutePath());
    }
}
