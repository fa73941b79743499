import BillingDomain
import BillingEngine
import BillingTestSupport
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The profile's photo (ACC-6): a checked PNG or JPEG, served only as that image type with a
/// sandboxing policy; anything else is refused with a message and changes nothing.
@Suite("Profile photo")
struct AvatarTests {
    @Test func aPictureIsUploadedShownAsAnImageAndRemoved() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            var page = try await browser.get("/account/profile")
            #expect(page.testIDs("avatar-image").isEmpty)
            #expect(try await browser.get("/account/profile/avatar").status == .notFound)

            let saved = try await browser.upload(
                "/account/profile/avatar", field: "avatar", filename: "me.png", contentType: "image/png", data: SamplePictures.png3x2)
            #expect(saved.location == "/account/profile?notice=avatar_saved")
            page = try await browser.get("/account/profile")
            #expect(page.text.contains(#"src="/account/profile/avatar?v="#))
            let image = try await browser.get("/account/profile/avatar")
            #expect(image.status == .ok)
            #expect(image.headers.first(name: .contentType) == "image/png")
            #expect(image.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(image.headers.first(name: "Content-Security-Policy") == "default-src 'none'; sandbox")
            #expect(Data(buffer: image.body) == SamplePictures.png3x2)

            // A JPEG named .png is served as what it is.
            try await browser.get("/account/profile")
            try await browser.upload(
                "/account/profile/avatar", field: "avatar", filename: "me.png", contentType: "image/png", data: SamplePictures.jpeg3x2)
            #expect(try await browser.get("/account/profile/avatar").headers.first(name: .contentType) == "image/jpeg")

            try await browser.get("/account/profile")
            #expect(
                try await browser.post("/account/profile/avatar/delete", form: [:]).location == "/account/profile?notice=avatar_removed")
            #expect(try await browser.get("/account/profile/avatar").status == .notFound)
            // Another browser without a session gets no picture.
            #expect(try await Browser(app).get("/account/profile/avatar").location?.hasPrefix("/login") == true)
        }
    }

    @Test func anSVGAnHTMLPageAndAnOversizedPictureAreRefusedInTheUsersLanguage() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.utf8)
            let refused = try await browser.upload(
                "/account/profile/avatar", field: "avatar", filename: "me.png", contentType: "image/png", data: svg)
            #expect(refused.status == .unprocessableEntity)
            #expect(PageText.readable(refused.text).contains("This file is not a PNG or JPEG picture."))
            let wide = try await browser.upload(
                "/account/profile/avatar", field: "avatar", filename: "wide.png", contentType: "image/png", data: SamplePictures.png3000x4)
            #expect(wide.status == .unprocessableEntity)
            #expect(PageText.readable(wide.text).contains("larger than 2048 pixels a side"))
            var heavy = SamplePictures.jpeg3x2.dropLast(2)
            heavy.append(Data(repeating: 0, count: 600 * 1024))
            heavy.append(Data([0xFF, 0xD9]))
            try await browser.post("/lang", form: ["language": "uk", "back": "/account/profile"])
            let large = try await browser.upload(
                "/account/profile/avatar", field: "avatar", filename: "big.jpg", contentType: "image/jpeg", data: Data(heavy))
            #expect(large.status == .payloadTooLarge)
            #expect(PageText.readable(large.text).contains("Файл більший за 512 КБ."))
            #expect(try await browser.get("/account/profile/avatar").status == .notFound)
            // Without the CSRF token nothing is stored either.
            let forged = Browser(app)
            forged.cookies = browser.cookies
            #expect(
                try await forged.upload(
                    "/account/profile/avatar", field: "avatar", filename: "me.png", contentType: "image/png", data: SamplePictures.png3x2
                ).status == .forbidden)
            #expect(try await browser.get("/account/profile/avatar").status == .notFound)
        }
    }
}
