import CollectorCore
import Foundation
import TestSupport
import Testing

/// deploy/kubernetes as a user applies it: every kustomization renders (`kubectl kustomize`) and
/// every document validates strictly (the Kubernetes schemas; the Operator's and the CSI driver's
/// CRDs). Then the rules the manifests promise are checked on what renders, and every config they
/// carry passes `genai-collector validate` with the secret files its SecretProviderClass mounts.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DeploymentManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let kubernetes = root.appendingPathComponent("deploy/kubernetes")
    static let directories = [
        "gateway", "gateway-instance-principal", "gateway-tenants", "gateway-tier", "sidecar/native", "sidecar/classic", "sidecar/operator",
    ]
    let cli = TranslateCommandTests()

    struct Rendered {
        let dir: String
        let errors: [String]
        let documents: [JSONValue]
        let configs: [String: JSONValue]
        let configTexts: [String: String]
        let secretFiles: [String: [String]]

        func documents(_ kind: String) -> [JSONValue] { documents.filter { $0["kind"]?.stringValue == kind } }
        func one(_ kind: String) throws -> JSONValue {
            let found = documents(kind)
            try #require(found.count == 1, "\(dir): \(found.count) \(kind)")
            return found[0]
        }
    }

    func render(_ dirs: [String]) async throws -> [String: Rendered] {
        let script = Self.root.appendingPathComponent("Tests/CLITests/kubernetes_manifests.py").path
        let r = try await PythonTool.run([script] + dirs.map { Self.kubernetes.appendingPathComponent($0).path })
        try #require(r.status == 0 || r.status == 1, "\(r.stderr)")
        var out: [String: Rendered] = [:]
        for line in r.text.split(separator: "\n") {
            let v = try JSONParser().parse(String(line))
            let dir = String(try #require(v["dir"]?.stringValue).dropFirst(Self.kubernetes.path.count + 1))
            func map<T>(_ key: String, _ f: (JSONValue) -> T?) -> [String: T] {
                Dictionary(uniqueKeysWithValues: (v[key]?.objectValue ?? []).compactMap { m in f(m.value).map { (m.key, $0) } })
            }
            out[dir] = Rendered(
                dir: dir, errors: v["errors"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                documents: v["documents"]?.arrayValue ?? [], configs: map("configs") { $0 },
                configTexts: map("configTexts") { $0.stringValue },
                secretFiles: map("secretFiles") { $0.arrayValue?.compactMap(\.stringValue) })
        }
        #expect(Set(out.keys) == Set(dirs), "\(r.text.prefix(500)) \(r.stderr)")
        return out
    }

    @Test func everyManifestRendersAndValidatesStrictly() async throws {
        let all = try await render(Self.directories)
        for dir in Self.directories {
            let r = try #require(all[dir])
            #expect(r.errors.isEmpty, "\(dir): \(r.errors)")
            #expect(!r.documents.isEmpty, "\(dir)")
        }
    }

    /// The validator rejects what the API server would reject or silently prune: without this, a
    /// clean run above could mean nothing was checked.
    @Test func theValidatorCatchesUnknownFieldsAndBadCustomResources() async throws {
        let dir = NSTemporaryDirectory() + "genai-k8s-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources: [bad.yaml]
        """.write(toFile: dir + "/kustomization.yaml", atomically: true, encoding: .utf8)
        try """
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec: {ports: [{port: 4317}], clusterIp: None}
        ---
        apiVersion: opentelemetry.io/v1beta1
        kind: OpenTelemetryCollector
        metadata: {name: c}
        spec:
          mode: sidecar
          config: {receivers: {}, exporters: {}, service: {pipelines: {}, shutdown_timeout: 5s}}
        ---
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: p}
        spec: {provider: oci, parameters: {vaultId: 5}}
        """.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let script = Self.root.appendingPathComponent("Tests/CLITests/kubernetes_manifests.py").path
        let r = try await PythonTool.run([script, dir])
        #expect(r.status == 1, "\(r.text) \(r.stderr)")
        let errors = try JSONParser().parse(r.text)["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(errors.contains { $0.hasPrefix("Service/s:") && $0.contains("clusterIp") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("OpenTelemetryCollector/c:") && $0.contains("shutdown_timeout") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("SecretProviderClass/p:") && $0.contains("vaultId") }, "\(errors)")
        #expect(errors.contains { $0 == "SecretProviderClass/p: no secrets listed" }, "\(errors)")
        #expect(errors.count == 4, "\(errors)")
    }

    /// The collector container of every pod template, and the Operator resource's spec (which the
    /// Operator turns into one).
    func collectors(_ r: Rendered) -> [(pod: JSONValue?, container: JSONValue, native: Bool)] {
        var out: [(JSONValue?, JSONValue, Bool)] = []
        for doc in r.documents where ["Deployment", "StatefulSet"].contains(doc["kind"]?.stringValue ?? "") {
            let pod = doc["spec"]?["template"]?["spec"]
            for c in pod?["initContainers"]?.arrayValue ?? [] where c["name"]?.stringValue == "genai-collector" { out.append((pod, c, true)) }
            for c in pod?["containers"]?.arrayValue ?? [] where c["name"]?.stringValue == "genai-collector" { out.append((pod, c, false)) }
        }
        for cr in r.documents("OpenTelemetryCollector") { out.append((nil, cr["spec"] ?? .null, false)) }
        return out
    }

    @Test func everyCollectorContainerIsLockedDownBoundedAndProbed() async throws {
        let all = try await render(Self.directories)
        for dir in Self.directories {
            let r = try #require(all[dir])
            let found = collectors(r)
            #expect(found.count == 1, "\(dir): \(found.count) collector containers")
            for (pod, c, native) in found {
                let sc = c["securityContext"]
                #expect(sc?["runAsNonRoot"] == .bool(true), "\(dir)")
                #expect(sc?["readOnlyRootFilesystem"] == .bool(true), "\(dir)")
                #expect(sc?["allowPrivilegeEscalation"] == .bool(false), "\(dir)")
                #expect(sc?["capabilities"]?["drop"] == .array([.string("ALL")]), "\(dir)")
                #expect(sc?["seccompProfile"]?["type"]?.stringValue == "RuntimeDefault", "\(dir)")
                #expect(sc?["runAsUser"] == .int(65532) || pod?["securityContext"]?["runAsUser"] == .int(65532), "\(dir)")
                #expect(c["resources"]?["requests"]?["cpu"] != nil && c["resources"]?["requests"]?["memory"] != nil, "\(dir)")
                #expect(c["resources"]?["limits"]?["memory"] != nil, "\(dir)")
                #expect(c["livenessProbe"] != nil && c["readinessProbe"] != nil, "\(dir)")
                if pod != nil {
                    // Separate meanings: liveness is "the process answers", readiness "listening, not draining".
                    #expect(c["livenessProbe"]?["httpGet"]?["path"]?.stringValue == "/livez", "\(dir)")
                    #expect(c["readinessProbe"]?["httpGet"]?["path"]?.stringValue == "/readyz", "\(dir)")
                    // The drain (10s by default, or service.shutdown_timeout) ends before SIGKILL.
                    let grace = try #require(pod?["terminationGracePeriodSeconds"]?.numberValue, "\(dir)")
                    let config = try #require(r.configs.values.first)
                    let deadline = try Self.seconds(config["service"]?["shutdown_timeout"]?.stringValue ?? "10s")
                    #expect(grace > deadline, "\(dir): grace \(grace)s, drain \(deadline)s")
                }
                if dir == "sidecar/native" {
                    #expect(native && c["restartPolicy"]?.stringValue == "Always", "\(dir): a native sidecar")
                }
                // Secrets are whole-directory mounts: a subPath mount is never rotated.
                for m in c["volumeMounts"]?.arrayValue ?? [] { #expect(m["subPath"] == nil, "\(dir): \(m)") }
                let volumes = (pod?["volumes"] ?? c["volumes"])?.arrayValue ?? []
                let csi = volumes.filter { $0["csi"]?["driver"]?.stringValue == "secrets-store.csi.k8s.io" }
                #expect(csi.count == 1, "\(dir)")
                let provider = csi.first?["csi"]?["volumeAttributes"]?["secretProviderClass"]?.stringValue
                #expect(r.documents("SecretProviderClass").contains { $0["metadata"]?["name"]?.stringValue == provider }, "\(dir): \(provider ?? "none")")
                #expect(c["volumeMounts"]?.arrayValue?.contains { $0["name"] == csi.first?["name"] && $0["readOnly"] == .bool(true) } == true, "\(dir)")
                // Nothing secret in environment variables.
                for e in c["env"]?.arrayValue ?? [] {
                    let name = e["name"]?.stringValue ?? ""
                    #expect(
                        name == "GENAI_COLLECTOR_SECRETS" || name.range(of: "PASSWORD|SECRET|TOKEN|_KEY", options: .regularExpression) == nil, "\(dir): \(name)"
                    )
                    #expect(e["valueFrom"]?["secretKeyRef"] == nil, "\(dir): \(name)")
                }
            }
            for cm in r.documents("ConfigMap") {
                for m in cm["data"]?.objectValue ?? [] where m.key != "collector.yaml" {
                    #expect(m.key.range(of: "PASSWORD|SECRET|TOKEN|_KEY", options: .regularExpression) == nil, "\(dir): ConfigMap \(m.key)")
                }
            }
        }
    }

    @Test func theGatewayIsAStatefulTierBehindServicesAndPolicies() async throws {
        let all = try await render(["gateway", "gateway-instance-principal"])
        for dir in ["gateway", "gateway-instance-principal"] {
            let r = try #require(all[dir])
            let set = try r.one("StatefulSet")
            let name = set["metadata"]?["name"]?.stringValue
            // The disk queue on a claim of its own, mounted where the config puts the queue.
            let claims = set["spec"]?["volumeClaimTemplates"]?.arrayValue ?? []
            #expect(claims.count == 1, "\(dir)")
            let container = try #require(set["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first)
            let dataMount = container["volumeMounts"]?.arrayValue?.first { $0["name"] == claims.first?["metadata"]?["name"] }
            #expect(dataMount?["mountPath"]?.stringValue == "/var/lib/genai-collector", "\(dir)")
            let config = try #require(r.configs.values.first)
            // Every exporter that delivers anything (nop keeps nothing: a queue for it would be empty).
            for e in config["exporters"]?.objectValue ?? [] where e.key != "nop" {
                #expect(e.value["sending_queue"]?["storage"]?.stringValue == "disk", "\(dir): \(e.key)")
                #expect(e.value["sending_queue"]?["directory"]?.stringValue?.hasPrefix("/var/lib/genai-collector/") == true, "\(dir): \(e.key)")
            }
            // A headless Service (every pod in DNS, for trace-aware balancing) and a ClusterIP one.
            let services = r.documents("Service")
            #expect(services.count == 2, "\(dir)")
            let headless = services.filter { $0["spec"]?["clusterIP"]?.stringValue == "None" }
            #expect(headless.count == 1, "\(dir)")
            #expect(set["spec"]?["serviceName"] == headless.first?["metadata"]?["name"], "\(dir)")
            #expect(services.contains { $0["spec"]?["clusterIP"] == nil && ($0["spec"]?["type"]?.stringValue ?? "ClusterIP") == "ClusterIP" }, "\(dir)")
            let selector = set["spec"]?["selector"]?["matchLabels"]
            for s in services { #expect(s["spec"]?["selector"] == selector, "\(dir)") }
            // The HPA scales the StatefulSet on CPU, which is measured against the request.
            let hpa = try r.one("HorizontalPodAutoscaler")
            #expect(
                hpa["spec"]?["scaleTargetRef"]?["kind"]?.stringValue == "StatefulSet" && hpa["spec"]?["scaleTargetRef"]?["name"]?.stringValue == name, "\(dir)")
            #expect(hpa["spec"]?["metrics"]?.arrayValue?.contains { $0["resource"]?["name"]?.stringValue == "cpu" } == true, "\(dir)")
            #expect(container["resources"]?["requests"]?["cpu"] != nil, "\(dir)")
            let pdb = try r.one("PodDisruptionBudget")
            #expect(pdb["spec"]?["maxUnavailable"] == .int(1) && pdb["spec"]?["selector"]?["matchLabels"] == selector, "\(dir)")
            // OTLP only from labelled namespaces; metrics only from Prometheus.
            let policy = try r.one("NetworkPolicy")
            #expect(policy["spec"]?["podSelector"]?["matchLabels"] == selector, "\(dir)")
            let rules = policy["spec"]?["ingress"]?.arrayValue ?? []
            let ports = rules.map { Set(($0["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.numberValue }) }
            #expect(ports.contains([4317, 4318]) && ports.contains([8888]), "\(dir): \(ports)")
            for rule in rules {
                let from = rule["from"]?.arrayValue ?? []
                #expect(!from.isEmpty && from.allSatisfy { $0["namespaceSelector"] != nil || $0["podSelector"] != nil }, "\(dir): a rule open to all")
            }
            let account = try r.one("ServiceAccount")
            #expect(set["spec"]?["template"]?["spec"]?["serviceAccountName"] == account["metadata"]?["name"], "\(dir)")
            let spc = try r.one("SecretProviderClass")
            #expect(spc["spec"]?["provider"]?.stringValue == "oci", "\(dir)")
            #expect(spc["spec"]?["parameters"]?["authType"]?.stringValue == (dir == "gateway" ? "workload" : "instance"), "\(dir)")
            // OCI Object Storage through its S3-compatible endpoint, path style.
            let settings = try #require(r.documents("ConfigMap").first { $0["metadata"]?["name"]?.stringValue?.hasPrefix("genai-gateway-settings") == true })
            let endpoint = settings["data"]?["S3_ENDPOINT"]?.stringValue ?? ""
            #expect(
                endpoint.range(of: #"^https://[a-z0-9]+\.compat\.objectstorage\.[a-z0-9-]+\.oraclecloud\.com$"#, options: .regularExpression) != nil,
                "\(endpoint)")
            #expect(config["exporters"]?["s3"]?["force_path_style"] == .bool(true), "\(dir)")
        }
    }

    /// The load-balancing tier: a stateless Deployment in front of the gateway, every trace to one
    /// replica through the gateway's headless Service, which the gateway's policy lets it reach.
    @Test func theTierBalancesTracesOverTheGatewaysHeadlessService() async throws {
        let all = try await render(["gateway", "gateway-tier", "gateway-tenants"])
        let tier = try #require(all["gateway-tier"]), gateway = try #require(all["gateway"])
        let deployment = try tier.one("Deployment")
        #expect(tier.documents("StatefulSet").isEmpty && deployment["spec"]?["template"]?["spec"]?["volumeClaimTemplates"] == nil)
        let config = try #require(tier.configs.values.first)
        let lb = try #require(config["exporters"]?["loadbalancing"])
        #expect(lb["routing_key"]?.stringValue == "traceID")
        let headless = try #require(gateway.documents("Service").first { $0["spec"]?["clusterIP"]?.stringValue == "None" })
        let name = try #require(headless["metadata"]?["name"]?.stringValue)
        let namespace = try #require(headless["metadata"]?["namespace"]?.stringValue)
        #expect(lb["resolver"]?["dns"]?["hostname"]?.stringValue == "\(name).\(namespace).svc.cluster.local")
        let grpcPort = headless["spec"]?["ports"]?.arrayValue?.first { $0["name"]?.stringValue == "otlp-grpc" }?["port"]
        #expect(lb["resolver"]?["dns"]?["port"] == grpcPort)
        // The tier's pods may reach the gateway's OTLP/gRPC port.
        let tierLabels = deployment["spec"]?["template"]?["metadata"]?["labels"]?["app.kubernetes.io/name"]
        let rules = try gateway.one("NetworkPolicy")["spec"]?["ingress"]?.arrayValue ?? []
        #expect(
            rules.contains { rule in
                (rule["from"]?.arrayValue ?? []).contains { $0["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"] == tierLabels }
                    && (rule["ports"]?.arrayValue ?? []).contains { $0["port"] == grpcPort }
            })
        // Clients reach the tier through its own Service, on the same ports as the gateway's.
        let service = try tier.one("Service")
        #expect(service["spec"]?["selector"] == deployment["spec"]?["selector"]?["matchLabels"])
        let hpa = try tier.one("HorizontalPodAutoscaler")
        #expect(hpa["spec"]?["scaleTargetRef"]?["kind"]?.stringValue == "Deployment")
        // The shared gateway: the same StatefulSet, its config routing by tenant from the vault's tenants file.
        let tenants = try #require(all["gateway-tenants"])
        #expect(tenants.documents("StatefulSet").count == 1)
        let shared = try #require(tenants.configs.values.first)
        #expect(shared["connectors"]?["routing"] != nil)
        #expect(tenants.secretFiles.values.joined().contains("tenants.json"))
        #expect(shared["receivers"]?["otlp"]?["protocols"]?["http"]?["auth"]?["tenants"]?.stringValue?.hasSuffix("/tenants.json}") == true)
    }

    /// Every config passes `genai-collector validate`, given exactly the files its
    /// SecretProviderClass mounts, and fails without them (so the check reads the secrets).
    /// Credentials are only ever `${file:}` references.
    @Test func everyEmbeddedConfigValidatesWithTheMountedSecrets() async throws {
        let all = try await render(Self.directories)
        var validated = 0
        for dir in Self.directories {
            let r = try #require(all[dir])
            let files = Array(r.secretFiles.values.joined())
            #expect(!files.isEmpty, "\(dir)")
            let secrets = NSTemporaryDirectory() + "genai-secrets-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: secrets) }
            var env: [String: String] = ["GENAI_COLLECTOR_SECRETS": secrets]
            for cm in r.documents("ConfigMap") where cm["data"]?["collector.yaml"] == nil {
                for m in cm["data"]?.objectValue ?? [] { env[m.key] = m.value.stringValue }
            }
            for (name, text) in r.configTexts {
                let missing = try await cli.run(["validate", "--config", "yaml:" + text], environment: env)
                #expect(missing.status == 1 && missing.stderr.contains(secrets), "\(dir) \(name): \(missing.stderr)")
                for f in files {
                    // A tenants file is JSON: a map of tenants to their credentials.
                    let content = f.hasSuffix(".json") ? #"{"t": {"bearer_tokens": ["s3cr3t-\#(f)"]}}"# : "s3cr3t-\(f)\n"
                    try content.write(toFile: "\(secrets)/\(f)", atomically: true, encoding: .utf8)
                }
                let ok = try await cli.run(["validate", "--config", "yaml:" + text], environment: env)
                #expect(ok.status == 0, "\(dir) \(name): \(ok.stderr)")
                #expect(String(decoding: ok.stdout, as: UTF8.self).contains("config is valid"), "\(dir) \(name)")
                validated += 1
                for f in files { try FileManager.default.removeItem(atPath: "\(secrets)/\(f)") }
                try #require(r.configs[name] != nil)
                Self.credentials(in: r.configs[name]!, path: "\(dir) \(name)")
            }
        }
        #expect(validated == Self.directories.count)
        // The Operator's resource carries the same config as the sidecar ConfigMap.
        let operatorConfig = try #require(all["sidecar/operator"]?.configs.values.first)
        let mapConfig = try #require(all["sidecar/native"]?.configs.values.first)
        #expect(operatorConfig == mapConfig, "deploy/kubernetes/sidecar/operator and ../config/collector.yaml differ")
    }

    static let credentialKeys: Set<String> = [
        "password", "public_key", "secret_key", "access_key_id", "secret_access_key", "session_token", "authorization", "bearer_tokens",
    ]

    static func credentials(in v: JSONValue, path: String, under key: String? = nil) {
        switch v {
        case .object(let members):
            for m in members { credentials(in: m.value, path: path + "." + m.key, under: m.key) }
        case .array(let items):
            for i in items { credentials(in: i, path: path, under: key) }
        case .string(let s):
            if let key, credentialKeys.contains(key) { #expect(s.contains("${file:"), "\(path): a credential that is not a ${file:} reference") }
        default:
            break
        }
    }

    static func seconds(_ duration: String) throws -> Double {
        if duration.hasSuffix("ms") { return try #require(Double(duration.dropLast(2))) / 1000 }
        if duration.hasSuffix("s") { return try #require(Double(duration.dropLast())) }
        if duration.hasSuffix("m") { return try #require(Double(duration.dropLast())) * 60 }
        Issue.record("duration \(duration)")
        return .infinity
    }
}
