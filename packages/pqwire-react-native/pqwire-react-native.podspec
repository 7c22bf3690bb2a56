# The iOS pod: the JSI module (cpp/, ios/) and the Rust core as an XCFramework of static
# libraries (ios/PqwireFfi.xcframework: aarch64-apple-ios and aarch64-apple-ios-sim),
# built by .github/workflows/react-native.yml (cargo build -p pqwire-ffi per target, then
# xcodebuild -create-xcframework). Not built on the development machine (no Xcode).
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

Pod::Spec.new do |s|
  s.name         = "pqwire-react-native"
  s.version      = package["version"]
  s.summary      = package["description"]
  s.homepage     = "https://github.com/pqwire/pqwire"
  s.license      = package["license"]
  s.authors      = "pqwire"
  s.platforms    = { :ios => "13.4" }
  s.source       = { :git => "https://github.com/pqwire/pqwire.git", :tag => "v#{s.version}" }

  s.source_files = "ios/**/*.{h,mm}", "cpp/**/*.{h,cpp}", "include/pqwire.h"
  s.vendored_frameworks = "ios/PqwireFfi.xcframework"
  s.pod_target_xcconfig = {
    "CLANG_CXX_LANGUAGE_STANDARD" => "c++20",
    "HEADER_SEARCH_PATHS" => "\"$(PODS_TARGET_SRCROOT)/cpp\" \"$(PODS_TARGET_SRCROOT)/include\"",
  }

  if respond_to?(:install_modules_dependencies, true)
    install_modules_dependencies(s)
  else
    s.dependency "React-Core"
    s.dependency "React-jsi"
  end
end
