import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

/// The two-step login's parts (ACC-4): RFC 6238's codes, the key and its QR code, one use per
/// code, recovery codes, and the limit on wrong codes.
@Suite("Two-step login")
struct TwoFactorTests {
    /// RFC 6238, appendix B: the SHA-1 key "12345678901234567890" at its test times, eight
    /// digits; six-digit codes are the same numbers' last six digits.
    @Test(
        arguments: [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130")
        ] as [(Int64, String)])
    func codesAreRFC6238s(time: Int64, expected: String) {
        let secret = Data("12345678901234567890".utf8)
        let step = TOTP.step(at: Date(timeIntervalSince1970: TimeInterval(time)))
        #expect(TOTP.code(secret: secret, step: step, digits: 8) == expected)
        #expect(TOTP.code(secret: secret, step: step) == String(expected.suffix(6)))
    }

    @Test func base32IsRFC4648s() {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Data(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded.lowercased()) == Data(plain.utf8))
        }
        #expect(Base32.decode("MZXW1") == nil)
    }

    /// The enrolment's QR code is read back by a real reader (zbar) to the very URI an
    /// authenticator needs; CI installs zbar-tools and librsvg2-bin, elsewhere the test runs
    /// when they are there.
    @Test(.enabled(if: QRReader.available)) func theQRCodeScansToTheAuthenticatorURI() async throws {
        try await TestEngine.run { app, _ in
            let anna = try await app.signUpClient()
            let enrolment = try await TwoFactor(context: app.engine).begin(
                realm: .client, principalID: anna.userID, label: "anna@example.com")
            #expect(enrolment.uri.hasPrefix("otpauth://totp/Demo%20Hosting:anna@example.com?secret="))
            #expect(enrolment.uri.hasSuffix("&issuer=Demo%20Hosting&algorithm=SHA1&digits=6&period=30"))
            #expect(try QRReader.read(svg: enrolment.qrSVG) == enrolment.uri)
            // Every length up to the largest version, in every mask the penalty picks.
            for text in [
                "A", String(repeating: "x", count: 60), "otpauth://" + String(repeating: "é", count: 90), String(repeating: "7", count: 400)
            ] {
                #expect(try QRReader.read(svg: try QRCode(text).svg()) == text)
            }
            #expect(throws: QRCode.EncodingError.tooLong) { try QRCode(String(repeating: "x", count: 500)) }
        }
    }

    @Test func aCodeWorksOncePerStepAndARecoveryCodeOnce() async throws {
        try await TestEngine.run { app, clock in
            let anna = try await app.signUpClient()
            let twoFactor = TwoFactor(context: app.engine)
            let enrolment = try await twoFactor.begin(realm: .client, principalID: anna.userID, label: "anna@example.com")
            let secret = try #require(Base32.decode(enrolment.secret))
            func code(_ offset: Int64 = 0) -> String { TOTP.code(secret: secret, step: TOTP.step(at: clock.now) + offset) }
            #expect(try await !twoFactor.isEnabled(realm: .client, principalID: anna.userID))
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.confirm(realm: .client, principalID: anna.userID, code: "000000", ip: "10.0.0.1")
            }
            let recovery = try await twoFactor.confirm(realm: .client, principalID: anna.userID, code: code(), ip: "10.0.0.1")
            #expect(recovery.count == 10)
            #expect(Set(recovery).count == 10)
            #expect(recovery.allSatisfy { $0.count == 11 && $0.dropFirst(5).first == "-" })
            // Stored hashed: no code is in the table.
            let stored = try await RecoveryCodeRecord.query(on: app.db).all().map(\.codeHash)
            #expect(stored.count == 10)
            #expect(stored.allSatisfy { hash in !recovery.contains { hash.contains($0.replacingOccurrences(of: "-", with: "")) } })
            // And the key is sealed: its base32 is not in the row.
            let key = try #require(try await TwoFactorRecord.query(on: app.db).first())
            #expect(!key.secretSealed.contains(enrolment.secret.replacingOccurrences(of: " ", with: "")))

            // The confirming code is spent; so is each later one, once.
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.verify(realm: .client, principalID: anna.userID, code: code(), ip: "10.0.0.1")
            }
            clock.advance(by: 30)
            try await twoFactor.verify(realm: .client, principalID: anna.userID, code: code(), ip: "10.0.0.1")
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.verify(realm: .client, principalID: anna.userID, code: code(), ip: "10.0.0.1")
            }
            // A phone one step behind still works (±1 step), an older code does not.
            clock.advance(by: 60)
            try await twoFactor.verify(realm: .client, principalID: anna.userID, code: code(-1), ip: "10.0.0.1")
            clock.advance(by: 90)
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.verify(realm: .client, principalID: anna.userID, code: code(-2), ip: "10.0.0.1")
            }
            // A recovery code, typed in capitals without the dash, works once.
            let typed = recovery[3].uppercased().replacingOccurrences(of: "-", with: "")
            try await twoFactor.verify(realm: .client, principalID: anna.userID, code: typed, ip: "10.0.0.1")
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.verify(realm: .client, principalID: anna.userID, code: recovery[3], ip: "10.0.0.1")
            }
            #expect(try await twoFactor.status(realm: .client, principalID: anna.userID).recoveryCodesLeft == 9)
        }
    }

    @Test func wrongCodesAreLimitedAndTurningOffNeedsACode() async throws {
        try await TestEngine.run { app, clock in
            let anna = try await app.signUpClient()
            let twoFactor = TwoFactor(context: app.engine)
            let enrolment = try await twoFactor.begin(realm: .client, principalID: anna.userID, label: "anna@example.com")
            let secret = try #require(Base32.decode(enrolment.secret))
            _ = try await twoFactor.confirm(
                realm: .client, principalID: anna.userID, code: TOTP.code(secret: secret, step: TOTP.step(at: clock.now)), ip: "10.0.0.1")
            await #expect(throws: TwoFactorError.alreadyEnabled) {
                try await twoFactor.begin(realm: .client, principalID: anna.userID, label: "anna@example.com")
            }
            await #expect(throws: TwoFactorError.wrongCode) {
                try await twoFactor.disable(realm: .client, principalID: anna.userID, code: "", ip: "10.0.0.1")
            }
            for _ in 0..<4 {
                await #expect(throws: TwoFactorError.wrongCode) {
                    try await twoFactor.verify(realm: .client, principalID: anna.userID, code: "123456", ip: "10.0.0.2")
                }
            }
            // Five wrong codes: even the right one waits 15 minutes.
            clock.advance(by: 30)
            let right = TOTP.code(secret: secret, step: TOTP.step(at: clock.now))
            await #expect(throws: TwoFactorError.throttled) {
                try await twoFactor.verify(realm: .client, principalID: anna.userID, code: right, ip: "10.0.0.1")
            }
            clock.advance(by: 15 * 60 + 1)
            try await twoFactor.disable(
                realm: .client, principalID: anna.userID, code: TOTP.code(secret: secret, step: TOTP.step(at: clock.now)), ip: "10.0.0.1")
            #expect(try await !twoFactor.isEnabled(realm: .client, principalID: anna.userID))
            #expect(try await RecoveryCodeRecord.query(on: app.db).count() == 0)
        }
    }
}

/// zbar's `zbarimg` reading an SVG rendered to PNG by librsvg, as a phone's camera would read
/// the code on the screen.
enum QRReader {
    static let available =
        ["/usr/bin/zbarimg", "/usr/bin/rsvg-convert"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
        || ProcessInfo.processInfo.environment["CI"] != nil

    static func read(svg: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("qr-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let svgFile = folder.appendingPathComponent("code.svg")
        let pngFile = folder.appendingPathComponent("code.png")
        try Data(svg.utf8).write(to: svgFile)
        _ = try run("/usr/bin/rsvg-convert", ["-w", "400", svgFile.path, "-o", pngFile.path])
        let output = try run("/usr/bin/zbarimg", ["-q", "--raw", "-Sbinary", pngFile.path])
        return String(decoding: output.last == 10 ? output.dropLast() : output[...], as: UTF8.self)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown) }
        return data
    }
}
