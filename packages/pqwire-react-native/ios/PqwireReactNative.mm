// The iOS module: install() (a blocking synchronous method, so on the JavaScript thread)
// installs the JSI HostObject in the bridge's runtime.
#import "PqwireReactNative.h"

#import <React/RCTBridge+Private.h>
#import <React/RCTUtils.h>
#import <jsi/jsi.h>

#include "PqwireHostObject.h"

@implementation PqwireReactNative

@synthesize bridge = _bridge;

RCT_EXPORT_MODULE(PqwireReactNative)

+ (BOOL)requiresMainQueueSetup {
  return NO;
}

RCT_EXPORT_BLOCKING_SYNCHRONOUS_METHOD(install) {
  RCTCxxBridge *cxxBridge = (RCTCxxBridge *)self.bridge;
  if (cxxBridge == nil || cxxBridge.runtime == nullptr) {
    return @(NO);
  }
  auto &runtime = *static_cast<facebook::jsi::Runtime *>(cxxBridge.runtime);
  return @(pqwire::installPqwire(runtime));
}

@end
