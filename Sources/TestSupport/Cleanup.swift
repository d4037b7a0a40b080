import Foundation

/// Removes what a test made (a file or a directory tree). Gone already is fine; any other failure is
/// said on stderr rather than swallowed, though it cannot change what the test found.
public func removeTestFiles(_ path: String) {
    do {
        try FileManager.default.removeItem(atPath: path)
    } catch let error as CocoaError where error.code == .fileNoSuchFile {
        return
    } catch {
        FileHandle.standardError.write(Data("cleanup of \(path) failed: \(error)\n".utf8))
    }
}
