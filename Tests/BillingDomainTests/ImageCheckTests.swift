import BillingDomain
import BillingTestSupport
import Foundation
import Testing

/// Uploaded pictures are judged by their bytes (ACC-6): real PNG and JPEG files made by Pillow
/// read with their sizes; SVG, HTML, a renamed file and a truncated one are not images.
@Suite("Image check")
struct ImageCheckTests {
    @Test func realPicturesReadWithTheirKindAndSize() {
        #expect(ImageCheck.inspect(SamplePictures.png3x2).map { [$0.kind.rawValue, "\($0.width)x\($0.height)"] } == ["png", "3x2"])
        #expect(ImageCheck.inspect(SamplePictures.png3000x4).map { [$0.kind.rawValue, "\($0.width)x\($0.height)"] } == ["png", "3000x4"])
        #expect(ImageCheck.inspect(SamplePictures.jpeg3x2).map { [$0.kind.rawValue, "\($0.width)x\($0.height)"] } == ["jpeg", "3x2"])
        #expect(ImageCheck.Kind.png.contentType == "image/png")
        #expect(ImageCheck.Kind.jpeg.contentType == "image/jpeg")
    }

    @Test func whatIsNotAPictureIsRefused() {
        let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.utf8)
        let html = Data("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".utf8)
        #expect(ImageCheck.inspect(svg) == nil)
        #expect(ImageCheck.inspect(html) == nil)
        #expect(ImageCheck.inspect(Data()) == nil)
        // A PNG header followed by HTML (a polyglot), and pictures cut short.
        var polyglot = SamplePictures.png3x2.prefix(33)
        polyglot.append(html)
        #expect(ImageCheck.inspect(polyglot) == nil)
        #expect(ImageCheck.inspect(SamplePictures.png3x2.dropLast(12)) == nil)
        #expect(ImageCheck.inspect(SamplePictures.jpeg3x2.dropLast(2)) == nil)
        #expect(ImageCheck.inspect(SamplePictures.jpeg3x2.prefix(200) + Data([0xFF, 0xD9])) == nil)
    }
}
