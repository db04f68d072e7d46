import NextAuth from "next-auth";
import { authOptions } from "@/app/_auth/auth-options";

// /api/auth/* – next-auth (console sign-in and sign-out)
async function handler(request: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(authOptions())(request, context);
}
export { handler as GET, handler as POST };
