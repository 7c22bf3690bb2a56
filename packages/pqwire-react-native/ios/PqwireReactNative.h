#import <React/RCTBridgeModule.h>

/// Installs the JSI module `global.__pqwire` (src/native.ts calls install() once).
@interface PqwireReactNative : NSObject <RCTBridgeModule>
@end
