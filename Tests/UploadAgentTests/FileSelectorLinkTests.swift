import Synchronization
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// Symbolic links in the upload folder: followed only where they stay inside the scope.
@Suite struct FileSelectorLinkTests {
    /// A fresh folder `<root>/logs` beside `<root>/outside/secret`, removed by `remove()`.
    struct Tree {
        let root: String
        var logs: String { root + "/logs" }
        var outside: String { root + "/outside" }

        init() {
            var template = Array("/tmp/selector-links-XXXXXX".utf8CString)
            root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
            mkdir(logs, 0o700)
            mkdir(outside, 0o700)
            write(outside + "/secret", "top secret")
            write(logs + "/app.log.1", "rotated")
            write(logs + "/plain.log", "plain")
        }

        func write(_ path: String, _ text: String) {
            let file = fopen(path, "w")!
            fputs(text, file)
            fclose(file)
        }

        func link(_ name: String, to target: String) {
            symlink(target, logs + "/" + name)
        }

        func remove() {
            _ = system("rm -rf '\(root)'")
        }
    }

    @Test func linkLeadingOutsideIsRefusedAndNamed() throws {
        let tree = Tree()
        defer { tree.remove() }
        tree.link("leak.log", to: tree.outside + "/secret")
        tree.link("app.log", to: "app.log.1")
        let warnings = Mutex<[String]>([])
        let selector = FileSelector(configuredGlob: tree.logs + "/*.log", mode: .strict,
                                    warn: { text in warnings.withLock { $0.append(text) } })
        let selection = try selector.select(requestedGlob: nil)
        #expect(selection.paths == [tree.logs + "/app.log", tree.logs + "/plain.log"])
        #expect(selection.refused.map(\.path) == [tree.logs + "/leak.log"])
        #expect(selection.refused.first?.reason.contains("secret") == false)
        let logged = warnings.withLock { $0 }
        #expect(logged.count == 1 && logged[0].contains("leak.log") && logged[0].contains("secret"))
        // The rotated log is uploaded as the file its link leads to, identity included.
        let rotated = try #require(selection.files.first)
        #expect(rotated.realPath == tree.logs + "/app.log.1")
        #expect(rotated.identity == FileIdentity.of(path: tree.logs + "/app.log.1"))
    }

    @Test func everyMatchRefusedRefusesTheTrigger() {
        let tree = Tree()
        defer { tree.remove() }
        tree.link("leak.txt", to: tree.outside + "/secret")
        let selector = FileSelector(configuredGlob: tree.logs + "/*.txt", mode: .strict)
        #expect {
            _ = try selector.select(requestedGlob: nil)
        } throws: { error in
            (error as? OperationError)?.message.contains("leads outside the upload scope") == true
        }
    }

    @Test func linkChainsAreJudgedByTheirLastTarget() throws {
        let tree = Tree()
        defer { tree.remove() }
        // inside -> inside -> outside: refused; inside -> outside -> inside: accepted.
        symlink(tree.outside + "/secret", tree.logs + "/hop")
        tree.link("chain-out.log", to: "hop")
        symlink(tree.logs + "/plain.log", tree.outside + "/back")
        tree.link("chain-in.log", to: tree.outside + "/back")
        let selection = try FileSelector(configuredGlob: tree.logs + "/*.log", mode: .strict).select(requestedGlob: nil)
        #expect(selection.paths == [tree.logs + "/chain-in.log", tree.logs + "/plain.log"])
        #expect(selection.refused.map(\.path) == [tree.logs + "/chain-out.log"])
    }

    @Test func directoriesAndDanglingLinksAreNotFiles() throws {
        let tree = Tree()
        defer { tree.remove() }
        tree.link("dir.log", to: tree.outside)
        tree.link("dangling.log", to: tree.outside + "/missing")
        let selection = try FileSelector(configuredGlob: tree.logs + "/*.log", mode: .strict).select(requestedGlob: nil)
        #expect(selection.paths == [tree.logs + "/plain.log"])
        #expect(selection.refused.isEmpty)
    }

    @Test func scopedModeHoldsLinksToBothGlobs() throws {
        let tree = Tree()
        defer { tree.remove() }
        mkdir(tree.logs + "/sub", 0o700)
        tree.write(tree.logs + "/sub/a.log", "a")
        symlink(tree.outside + "/secret", tree.logs + "/sub/b.log")
        symlink(tree.logs + "/plain.log", tree.logs + "/sub/c.log")  // in `files`, outside the request
        let selector = FileSelector(configuredGlob: tree.logs + "/*/*", mode: .scoped)
        let selection = try selector.select(requestedGlob: tree.logs + "/sub/*.log")
        #expect(selection.paths == [tree.logs + "/sub/a.log"])
        #expect(Set(selection.refused.map(\.path)) == [tree.logs + "/sub/b.log", tree.logs + "/sub/c.log"])
    }

    @Test func laxModeFollowsARequestedGlobAnywhere() throws {
        let tree = Tree()
        defer { tree.remove() }
        tree.link("leak.log", to: tree.outside + "/secret")
        let selector = FileSelector(configuredGlob: tree.logs + "/*.log", mode: .lax)
        #expect(try selector.select(requestedGlob: tree.logs + "/leak.log").paths == [tree.logs + "/leak.log"])
        // The configured files keep their links inside, whatever the mode.
        #expect(try selector.select(requestedGlob: nil).refused.map(\.path) == [tree.logs + "/leak.log"])
    }

    @Test func linksInTheGlobsOwnFoldersAreTrusted() throws {
        let tree = Tree()
        defer { tree.remove() }
        symlink(tree.logs, tree.root + "/current")  // e.g. /var/run -> /run
        symlink(tree.outside + "/secret", tree.logs + "/leak.log")
        let selection = try FileSelector(configuredGlob: tree.root + "/current/*.log", mode: .strict).select(requestedGlob: nil)
        #expect(selection.paths == [tree.root + "/current/plain.log"])
        #expect(selection.refused.map(\.path) == [tree.root + "/current/leak.log"])
    }
}

