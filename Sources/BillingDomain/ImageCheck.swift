import Foundation

/// What an uploaded picture really is, read from its bytes (never from the name or the type the
/// browser claims): a PNG or a JPEG whose header parses, with its size in pixels. Anything else
/// (SVG, HTML, a PDF renamed `.png`, a truncated file) is not an image here.
public enum ImageCheck {
    public enum Kind: String, Sendable, Codable, Hashable {
        case png, jpeg

        /// The one content type it is ever served with.
        public var contentType: String { self == .png ? "image/png" : "image/jpeg" }
    }

    public struct Image: Sendable, Equatable {
        public let kind: Kind
        public let width: Int
        public let height: Int
    }

    public static func inspect(_ data: Data) -> Image? {
        let bytes = [UInt8](data)
        return png(bytes) ?? jpeg(bytes)
    }

    private static func be(_ bytes: [UInt8], _ at: Int, _ count: Int) -> Int {
        (at..<at + count).reduce(0) { $0 << 8 | Int(bytes[$1]) }
    }

    /// The signature, then the IHDR chunk first (13 bytes: width, height, …), and IEND last.
    private static func png(_ bytes: [UInt8]) -> Image? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 45, Array(bytes[0..<8]) == signature, be(bytes, 8, 4) == 13,
            Array(bytes[12..<16]) == Array("IHDR".utf8), Array(bytes[(bytes.count - 8)..<(bytes.count - 4)]) == Array("IEND".utf8)
        else { return nil }
        let width = be(bytes, 16, 4)
        let height = be(bytes, 20, 4)
        guard width > 0, height > 0 else { return nil }
        return Image(kind: .png, width: width, height: height)
    }

    /// SOI, whole segments up to the start of scan with a start-of-frame among them (its height
    /// and width), and EOI at the end.
    private static func jpeg(_ bytes: [UInt8]) -> Image? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9
        else { return nil }
        var at = 2
        var frame: Image?
        while at + 4 <= bytes.count {
            guard bytes[at] == 0xFF else { return nil }
            let marker = bytes[at + 1]
            if marker == 0xFF {
                at += 1
                continue
            }
            let length = be(bytes, at + 2, 2)
            guard length >= 2, at + 2 + length <= bytes.count else { return nil }
            if marker == 0xDA { return frame }
            // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard length >= 7 else { return nil }
                let height = be(bytes, at + 5, 2)
                let width = be(bytes, at + 7, 2)
                guard width > 0, height > 0 else { return nil }
                frame = Image(kind: .jpeg, width: width, height: height)
            }
            at += 2 + length
        }
        return nil
    }
}
