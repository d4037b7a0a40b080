// swift-tools-version:6.2
import PackageDescription

// Core targets (model, codecs, translator) have no package dependencies so their tests build fast;
// swift-protobuf only backs the generated reference types used as the test oracle and benchmark baseline.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "genai-collector",
    // Linux only (Glibc, epoll, cgroups): SwiftPM has no way to declare it, and no Apple platform is claimed.
    products: [
        .executable(name: "genai-collector", targets: ["genai-collector"]),
        .library(name: "CollectorCore", targets: ["CollectorCore"]),
        .library(name: "OTLP", targets: ["OTLP"]),
        .library(name: "GenAIMapping", targets: ["GenAIMapping"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    targets: [
        // The dashboards as SQL over Langfuse's ClickHouse tables (`genai-collector dashboards`).
        .target(name: "Dashboards", swiftSettings: strict),
        .target(name: "CollectorCore", swiftSettings: strict),
        // The factory protocols every component implements, and what components are built with.
        .target(name: "ComponentModel", dependencies: ["CollectorCore", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "OTLP", dependencies: ["CollectorCore", "CZlib"], swiftSettings: strict),
        .target(
            name: "OTLPProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict),
        // The one reading of GenAI semantics: the key tables, precedence lists, the span walker and the field
        // rules. Processors read spans through it without the translator.
        .target(name: "GenAISemantics", dependencies: ["CollectorCore"], swiftSettings: strict),
        // Langfuse records from the rules above, and their JSON.
        .target(name: "GenAIMapping", dependencies: ["CollectorCore", "GenAISemantics"], swiftSettings: strict),
        .target(name: "Connectors", dependencies: ["CollectorCore", "ComponentModel"], swiftSettings: strict),
        .target(name: "CCRC32C"),
        // Benchmarks only: the allocator's bytes in use.
        .target(name: "CMallocStats"),
        .target(name: "OTLPGRPC", dependencies: [.product(name: "GRPCCore", package: "grpc-swift-2")], swiftSettings: strict),
        .target(
            name: "Processors",
            dependencies: [
                "CollectorCore", "ComponentModel", "GenAISemantics", "GenAIMapping", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The write-ahead queue: records, group commit, recovery. No HTTP or gRPC below it.
        .target(
            name: "CollectorQueue",
            dependencies: ["CollectorCore", "CCRC32C", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict),
        // What every exporter shares: the sending queue, retries, timeouts, failures, HTTP.
        .target(
            name: "ExporterHelper",
            dependencies: [
                "CollectorCore", "ComponentModel", "CollectorQueue", "OTLP", "GenAIMapping",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The exporters, one folder each, thin over ExporterHelper.
        .target(
            name: "Exporters",
            dependencies: [
                "CollectorCore", "ComponentModel", "ExporterHelper", "CollectorQueue", "OTLP", "GenAIMapping", "OTLPGRPC",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: strict),
        .target(
            name: "Receivers",
            dependencies: [
                "CollectorCore", "ComponentModel", "OTLP", "OTLPGRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: strict),
        .target(
            name: "CollectorRuntime",
            dependencies: [
                "CollectorCore", "ComponentModel", "Processors", "Receivers", "ExporterHelper", "CollectorQueue", "Exporters", "GenAIMapping", "Connectors",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Request generators for the differential tests and the benchmarks.
        .target(name: "OTLPSamples", dependencies: ["OTLPProto"], swiftSettings: strict),
        // For tests (and the ClickHouse benchmark): the real servers they start (chDB, moto, the Langfuse double), ports,
        // child processes, fixtures, and waiting on a condition.
        .target(name: "TestSupport", dependencies: ["OTLPSamples"], swiftSettings: strict),
        .executableTarget(
            name: "genai-collector",
            dependencies: [
                "CollectorCore", "OTLP", "GenAIMapping", "CollectorRuntime", "Processors", "Exporters", "ExporterHelper", "Dashboards",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "genai-collector-bench",
            dependencies: [
                "CollectorCore", "CollectorRuntime", "ComponentModel", "OTLP", "GenAIMapping", "OTLPProto", "TestSupport", "Processors", "ExporterHelper", "Exporters",
                "OTLPSamples", "CMallocStats",
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "genai-collector-load",
            dependencies: ["OTLPSamples", "OTLPProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict),
        .testTarget(name: "CollectorCoreTests", dependencies: ["CollectorCore"], swiftSettings: strict),
        // Builds without AsyncHTTPClient or gRPC.
        .testTarget(name: "CollectorQueueTests", dependencies: ["CollectorQueue", "CollectorCore", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "OTLPTests", dependencies: ["OTLP", "OTLPProto", "OTLPSamples", "TestSupport", "CollectorCore", "GenAIMapping"],
            exclude: ["upb_reserialize.py"],
            swiftSettings: strict),
        .testTarget(name: "GenAISemanticsTests", dependencies: ["GenAISemantics", "CollectorCore", "OTLP", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "GenAIMappingTests", dependencies: ["GenAIMapping", "GenAISemantics", "OTLP", "TestSupport", "CollectorCore"],
            exclude: ["Golden"],
            swiftSettings: strict),
        .testTarget(
            name: "CLITests", dependencies: ["genai-collector", "TestSupport", "CollectorCore", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .testTarget(
            name: "ProcessorsTests", dependencies: ["Processors", "CollectorCore", "ComponentModel", "OTLP", "GenAIMapping", "GenAISemantics", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ExportersTests",
            dependencies: [
                "Exporters", "ExporterHelper", "CollectorQueue", "CollectorCore", "ComponentModel", "GenAIMapping", "OTLP", "TestSupport", "Processors",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["chdb_run.py", "s3_read.py"],
            swiftSettings: strict),
        .testTarget(
            name: "ReceiversTests",
            dependencies: ["Receivers", "CollectorCore", "OTLP", "TestSupport", .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(
            name: "CollectorRuntimeTests",
            dependencies: [
                "Dashboards",
                "CollectorRuntime", "CollectorCore", "ComponentModel", "Processors", "Receivers", "ExporterHelper", "Exporters", "TestSupport", "OTLPSamples",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["send_spans.py", "send_pii.py", "langfuse_sdk.py", "openinference_openai.py", "grpc_raw.py", "grpc_fuzz.py", "grpc_frames.py", "http_attacks.py"],
            swiftSettings: strict),
    ]
)
